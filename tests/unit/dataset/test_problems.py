from ontrack.dataset import DatasetError, Problem


def test_problem_text_names_table_row_and_column():
    problem = Problem("contact", 12, "attendance", "'9' is not a code")

    assert str(problem) == "contact, row 12, column attendance: '9' is not a code"


def test_problem_about_a_whole_table_omits_row_and_column():
    assert str(Problem("homework", None, None, "missing table")) == "homework: missing table"


def test_dataset_error_counts_its_problems_and_shows_the_first():
    problems = [Problem("score", 1, "total", "too big"), Problem("score", 2, "total", "too big")]

    error = DatasetError(problems)

    assert error.problems == problems
    assert (
        str(error) == "the dataset has 2 problems: score, row 1, column total: too big (and 1 more)"
    )
