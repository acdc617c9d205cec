"""`goodwill import FILE [--commit]`."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
import tablib
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError

from goodwill.clients.models import Client, Person

GOOD = (
    "company,company_domains,first_name,last_name,email,roles\n"
    "Harbour Vets,harbourvets.test,Helen,Marsh,helen@harbourvets.test,boss\n"
    "Harbour Vets,,Sam,Reed,sam@harbourvets.test,pa; fd\n"
    "Acme Dental,,Maria,Shaw,maria@acme.test,\n"
)
BAD = (
    "company,first_name,email,language\n"
    "Harbour Vets,Helen,helen@harbourvets.test,Klingon\n"
    ",Sam,sam@harbourvets.test,\n"
)


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import", *args, "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def good_file(tmp_path) -> Path:
    path = tmp_path / "people.csv"
    path.write_text(GOOD)
    return path


def test_the_command_is_registered():
    assert get_commands()["import"] == "goodwill.clients"


def test_dry_run_prints_the_preview_and_writes_nothing(cast, good_file):
    out, err = run(str(good_file))
    assert "clients to create: 1, people to create: 2, skipped: 1, errors: 0" in out
    assert "Dry run: nothing was written" in out
    assert err == ""
    assert not Client.objects.filter(name="Harbour Vets").exists()


def test_commit_imports_and_prints_counts(cast, good_file):
    out, _err = run(str(good_file), "--commit")
    assert "clients created: 1" in out
    assert "people created: 2" in out
    assert "roles given: 3" in out
    assert "skipped: 1" in out
    assert Person.objects.get(email="sam@harbourvets.test").role_set() == {"gatekeeper", "billing"}


def test_commit_xlsx(cast, tmp_path):
    data = tablib.Dataset(headers=["Company", "First name", "E-mail"])
    data.append(["Harbour Vets", "Helen", "helen@harbourvets.test"])
    path = tmp_path / "people.xlsx"
    path.write_bytes(data.export("xlsx"))
    out, _err = run(str(path), "--commit")
    assert "people created: 1" in out
    assert Person.objects.filter(email="helen@harbourvets.test").exists()


@pytest.mark.parametrize("commit", [False, True])
def test_row_errors_exit_non_zero_and_write_nothing(cast, tmp_path, commit):
    path = tmp_path / "people.csv"
    path.write_text(BAD)
    out, err = StringIO(), StringIO()
    args = [str(path), "--no-progress"] + (["--commit"] if commit else [])
    with pytest.raises(CommandError, match="2 error\\(s\\) in 2 row\\(s\\)"):
        call_command("import", *args, stdout=out, stderr=err)
    assert "Row 2, language: “Klingon” is not a supported language" in err.getvalue()
    assert "Row 3, company: missing" in err.getvalue()
    assert not Client.objects.filter(name="Harbour Vets").exists()


def test_unknown_columns_are_a_warning(cast, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("company,first_name,shoe size\nHarbour Vets,Helen,9\n")
    out, _err = run(str(path), "--verbosity", "2")
    assert "Warning: These columns are not recognised and were ignored: shoe size." in out
    assert "Row 2: Harbour Vets Helen — Create person" in out


def test_missing_or_wrong_file_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run(str(tmp_path / "nope.csv"))
    wrong = tmp_path / "people.txt"
    wrong.write_text("company\nAcme\n")
    with pytest.raises(CommandError, match="Only .csv and .xlsx"):
        run(str(wrong))
