"""Definition files: a service adds a measure by adding a file; bad files fail loudly."""

import pytest

from ontrack.measures import ENV_DIR, MeasureError, clear_cache, get_measure, load_file, score

MINIMAL = """
code = "TEST-3"
name = "Test measure"
version = "1"
construct = "testing"
source = "unit test"
licence = "CC0"
n_items = 3

[response]
min = 0
max = 4
"""


@pytest.fixture
def extra_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_DIR, str(tmp_path))
    clear_cache()
    yield tmp_path
    monkeypatch.delenv(ENV_DIR)
    clear_cache()


def write(folder, name, text):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_service_adds_a_measure_by_adding_a_file(extra_dir):
    write(extra_dir, "test3.toml", MINIMAL + "\n[caseness]\ncutoff = 6\n")
    clear_cache()

    result = score("test 3", [2, 2, 2])

    assert result.total == 6
    assert result.caseness is True
    assert get_measure("PHQ-9").code == "PHQ-9"  # built-ins still there


def test_service_file_replaces_a_builtin_to_add_licensed_text(extra_dir):
    items = "".join(f'\n[[items]]\nnumber = {i}\ntext = "Licensed item {i}"\n' for i in range(1, 6))
    write(
        extra_dir,
        "wsas_licensed.toml",
        MINIMAL.replace('"TEST-3"', '"WSAS"').replace("n_items = 3\n", "")
        .replace("max = 4", "max = 8") + items,
    )  # fmt: skip
    clear_cache()

    assert get_measure("WSAS").has_text is True


def test_extra_dir_that_does_not_exist_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV_DIR, str(tmp_path / "nope"))
    clear_cache()
    try:
        with pytest.raises(MeasureError, match="is not a directory"):
            get_measure("PHQ-9")
    finally:
        monkeypatch.delenv(ENV_DIR)
        clear_cache()


def test_duplicate_code_in_one_folder_is_an_error(extra_dir):
    write(extra_dir, "a.toml", MINIMAL)
    write(extra_dir, "b.toml", MINIMAL)
    clear_cache()

    with pytest.raises(MeasureError, match=r"already defined by a\.toml"):
        get_measure("TEST-3")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (MINIMAL + "colour = 'blue'\n", "colour: unknown key"),
        (MINIMAL.replace("[response]", "[responses]"), "responses: unknown key"),
        (MINIMAL + "[caseness]\ncutoff = 99\n", "cutoff 99.0 is outside 0..12"),
        (MINIMAL + "[caseness]\ncutof = 9\n", r"\[caseness\] cutof: unknown key"),
        (MINIMAL + "[missing]\nmax_missing = 1\n", "needs method = 'prorate'"),
        (MINIMAL + "[missing]\nmax_missing = 3\nmethod = 'prorate'\n", "must be in 0..2"),
        (MINIMAL + "[scoring]\nreverse = [4]\n", "item 4 does not exist"),
        (MINIMAL + "[scoring]\nmethod = 'median'\n", "must be one of"),
        (MINIMAL + "[scoring]\nscreen = 'magic'\n", "unknown algorithm 'magic'"),
        (MINIMAL + "[status]\n'caseness.cutoff' = 'probably'\n", "must be 'unverified'"),
        (MINIMAL + "[status]\n'caseness.colour' = 'unverified'\n", "unknown field"),
        (MINIMAL + "[change]\nreliability = 1.5\n", "reliability must be in"),
        (MINIMAL + "[risk]\nitems = ['9']\n", "must be a list of whole numbers"),
        (MINIMAL.replace("max = 4", "max = 0"), "must exceed min"),
        (MINIMAL.replace('name = "Test measure"\n', ""), "name: required text"),
        (MINIMAL + "[[bands]]\nlower = 5\nlabel = 'b'\n[[bands]]\nlower = 0\nlabel = 'a'\n",
         "increasing order"),
        ("code = [", "not valid TOML"),
        (MINIMAL.replace("[response]\nmin = 0\nmax = 4\n", ""), "missing \\[response\\]"),
    ],
)  # fmt: skip
def test_bad_definition_file_is_rejected_naming_the_problem(tmp_path, text, message):
    path = write(tmp_path, "bad.toml", text)

    with pytest.raises(MeasureError, match=message):
        load_file(path)


def test_error_names_the_file(tmp_path):
    path = write(tmp_path, "my_measure.toml", MINIMAL + "colour = 1\n")

    with pytest.raises(MeasureError, match=r"^my_measure\.toml: "):
        load_file(path)
