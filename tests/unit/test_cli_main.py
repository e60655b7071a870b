import pytest

from ontrack.cli import build_parser, main


def test_main_without_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "usage: ontrack" in capsys.readouterr().out


def test_parser_lists_discovered_commands():
    help_text = build_parser().format_help()
    assert "ontrack" in help_text


def test_unknown_option_is_one_line_on_stderr_with_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--no-such-option"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "unrecognized arguments" in err[0]
