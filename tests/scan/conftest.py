import pytest


@pytest.fixture(scope="session")
def sheet_templates(tmp_path_factory):
    """The corpus's three real answer sheets, each rendered once (tests/scan/corpus.py)."""
    from tests.scan import corpus

    folder = tmp_path_factory.mktemp("templates")
    roster = folder / "roster.csv"
    roster.write_text("student_id,name\n2023001,Ann Lee\n2023002,Bo Chen\n", encoding="utf-8")
    return corpus.templates(str(roster))
