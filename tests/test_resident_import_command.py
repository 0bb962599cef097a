"""manage.py import_residents FILE [--dry-run]: the same import as the upload page, from a shell."""

from io import StringIO

import pytest
from django.core.management import CommandError, ManagementUtility, call_command

from residents.models import Resident, User

from .test_resident_import import GOOD, csv_text, row


@pytest.fixture
def good_file(tmp_path):
    path = tmp_path / "residents.csv"
    path.write_text(GOOD, encoding="utf-8")
    return path


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("import_residents", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_imports_a_file_and_prints_the_summary(catalogue, good_file):
    out, _err = run(good_file)
    assert "2 created, 0 updated, 0 unchanged" in out
    assert Resident.objects.count() == 2


def test_running_it_twice_changes_nothing(catalogue, good_file):
    run(good_file)
    out, _err = run(good_file)
    assert "0 created, 0 updated, 2 unchanged" in out
    assert Resident.objects.count() == 2


def test_a_dry_run_writes_nothing_and_prints_what_would_change(catalogue, good_file):
    out, _err = run(good_file, "--dry-run")
    assert "line 2: new anna@hospital.example" in out
    assert "Dry run, nothing was imported. It would be: 2 created, 0 updated, 0 unchanged." in out
    assert not Resident.objects.exists()


def test_it_prints_every_problem_with_its_line_and_fails(catalogue, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(csv_text(row(training_year="9"), row(email="b@hospital.example"),
                             row(email="c@hospital.example", fte="2")))

    err = StringIO()
    with pytest.raises(CommandError, match="2 problem"):
        call_command("import_residents", str(path), stdout=StringIO(), stderr=err)

    lines = err.getvalue().splitlines()
    assert lines[0].startswith("line 2, training_year:")
    assert lines[1].startswith("line 4, fte:")
    assert not Resident.objects.exists()


def test_a_windows_1252_file_is_read_and_the_preview_says_so(catalogue, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(csv_text(row(first_name="Zoë")).encode("cp1252"))
    out, _err = run(path, "--dry-run")
    assert "File: CSV, Windows-1252, separated by ','" in out
    assert not Resident.objects.exists()
    run(path)
    assert User.objects.get(email="anna@hospital.example").first_name == "Zoë"


def test_a_missing_file_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="Cannot read .*missing.csv"):
        run(tmp_path / "missing.csv")


def test_it_exits_with_status_1_on_problems(catalogue, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(csv_text(row(training_year="9")))
    with pytest.raises(SystemExit) as exit_:
        ManagementUtility(["manage.py", "import_residents", str(path)]).execute()
    assert exit_.value.code == 1

