"""The import service: parsing, row errors with row numbers, duplicates, all-or-nothing commit."""

from __future__ import annotations

import pytest
import tablib
from django.db import IntegrityError

from goodwill.clients import importing
from goodwill.clients.importing import Action
from goodwill.clients.models import Client, Person, PersonRole, RoleSource

HEADER = (
    "company,company_domains,first_name,last_name,email,job_title,roles,portal_access,time_zone"
)


def csv_bytes(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def counts() -> tuple[int, int, int]:
    return Client.objects.count(), Person.objects.count(), PersonRole.objects.count()


GOOD = csv_bytes(
    "Harbour Vets,harbourvets.test,Helen,Marsh,helen@harbourvets.test,Owner,boss,yes,Europe/London",
    "Harbour Vets,,Sam,Reed,sam@harbourvets.test,Practice manager,pa; fd,no,",
    "Lindqvist Architects,lindqvist.test,,,,,,,",
    "acme dental ,,Nora,Bright,nora@acme.test,Hygienist,,,",
)


def test_good_csv_previews_and_imports_fully(cast):
    preview = importing.build_preview(GOOD, "people.csv")
    assert not preview.has_errors
    assert [r.action for r in preview.rows] == [
        Action.CREATE_PERSON,
        Action.CREATE_PERSON,
        Action.CREATE_CLIENT,
        Action.CREATE_PERSON,
    ]
    assert [r.number for r in preview.rows] == [2, 3, 4, 5]
    assert (preview.clients_to_create, preview.people_to_create, preview.skipped) == (2, 3, 0)

    before = counts()
    result = importing.commit_import(GOOD, "people.csv", user=cast.manager)
    assert (result.clients_created, result.people_created, result.roles_created) == (2, 3, 3)
    assert counts() == (before[0] + 2, before[1] + 3, before[2] + 3)

    harbour = Client.objects.get(name="Harbour Vets")
    assert harbour.email_domains == "harbourvets.test"
    helen = Person.objects.get(email="helen@harbourvets.test")
    assert helen.client == harbour
    assert helen.portal_access is True
    assert helen.time_zone == "Europe/London"
    assert helen.role_set() == {"decision_maker"}
    sam = Person.objects.get(email="sam@harbourvets.test")
    assert sam.role_set() == {"gatekeeper", "billing"}
    role = sam.roles.first()
    assert role.source == RoleSource.IMPORT
    assert role.assigned_by == cast.manager
    # "acme dental " reuses Acme Dental rather than creating a second one.
    assert Person.objects.get(email="nora@acme.test").client == cast.acme
    assert Client.objects.filter(name__iexact="acme dental").count() == 1
    assert Client.objects.filter(name="Lindqvist Architects", email_domains="lindqvist.test")


def test_good_xlsx_imports_fully(cast):
    data = tablib.Dataset(
        headers=["Company", "First Name", "Last Name", "E-mail", "Phone", "Roles", "Portal"]
    )
    data.append(
        ["Harbour Vets", "Helen", "Marsh", "helen@harbourvets.test", 1632960001, "Boss", True]
    )
    data.append(["Harbour Vets", "Sam", "Reed", "sam@harbourvets.test", None, "finance", False])
    preview = importing.build_preview(data.export("xlsx"), "people.xlsx")
    assert not preview.has_errors, preview.errors
    assert preview.people_to_create == 2

    result = importing.commit_import(data.export("xlsx"), "people.xlsx")
    assert (result.clients_created, result.people_created) == (1, 2)
    helen = Person.objects.get(email="helen@harbourvets.test")
    assert helen.phone == "1632960001"
    assert helen.portal_access is True
    assert helen.role_set() == {"decision_maker"}
    assert Person.objects.get(email="sam@harbourvets.test").role_set() == {"billing"}


def test_headers_are_case_and_space_insensitive_and_unknown_columns_warn_once(cast):
    data = csv_bytes(
        "Harbour Vets,Helen,helen@harbourvets.test,blue,x",
        "Harbour Vets,Sam,sam@harbourvets.test,green,y",
        header=" Client , First Name,E-Mail,Favourite colour,Shoe size",
    )
    preview = importing.build_preview(data, "people.csv")
    assert preview.columns == ["company", "first_name", "email"]
    assert preview.warnings == [
        "These columns are not recognised and were ignored: Favourite colour, Shoe size."
    ]
    assert not preview.has_errors


def test_semicolon_separated_csv_from_european_excel(cast):
    data = "company;first_name;email;roles\nHarbour Vets;Helen;helen@harbourvets.test;boss, pa\n"
    preview = importing.build_preview(data.encode("cp1252"), "people.csv")
    assert not preview.has_errors
    assert preview.rows[0].roles == ["decision_maker", "gatekeeper"]


def test_row_errors_name_row_and_column_and_nothing_is_written(cast):
    data = csv_bytes(
        "Harbour Vets,,Helen,Marsh,helen@harbourvets.test,,boss,,",  # row 2: fine
        ",,Bob,Stone,bob@nowhere.test,,,,",  # row 3: no company
        "Harbour Vets,,Sam,Reed,not-an-email,,,,",  # row 4
        "Harbour Vets,,Kim,Li,kim@harbourvets.test,,,,Mars/Olympus",  # row 5
        "Harbour Vets,,Jo,Ng,jo@harbourvets.test,,wizard,maybe,",  # row 6: two errors
        "Harbour Vets,,Ana,Other,ana@acme.test,,,,",  # row 7: belongs to Acme
        "",  # row 8: blank lines are skipped but still counted
        "Harbour Vets,,Helen,Again,HELEN@harbourvets.test,,,,",  # row 9: twice in the file
        "Harbour Vets,bad_domain,,Nameless,,,,,",  # row 10
    )
    before = counts()
    preview = importing.build_preview(data, "people.csv")
    messages = {(e.row, e.column): e.message for e in preview.errors}
    assert set(messages) == {
        (3, "company"),
        (4, "email"),
        (5, "time_zone"),
        (6, "roles"),
        (6, "portal_access"),
        (7, "email"),
        (9, "email"),
        (10, "company_domains"),
        (10, "first_name"),
    }
    assert "missing" in messages[3, "company"]
    assert "not-an-email" in messages[4, "email"]
    assert "Mars/Olympus" in messages[5, "time_zone"]
    assert "wizard" in messages[6, "roles"]
    assert messages[7, "email"] == "ana@acme.test already belongs to Ana Costa at Acme Dental."
    assert messages[9, "email"] == "HELEN@harbourvets.test is also on row 2."
    assert preview.rows[-2].action == Action.DUPLICATE_IN_FILE
    assert str(preview.errors[0]).startswith("Row 3, company: ")
    assert preview.error_rows == 7
    assert not preview.can_commit

    with pytest.raises(importing.ImportRejected):
        importing.commit_import(data, "people.csv")
    assert counts() == before


def test_existing_person_same_client_is_skipped_not_an_error(cast):
    data = csv_bytes(
        "ACME DENTAL,,Maria,Shaw,Maria@Acme.test,,boss,,",
        "Birch & Co,,,,,,,,",
        "Birch & Co,,Wendy,Willow,wendy@birch.test,,,,",
    )
    preview = importing.build_preview(data, "people.csv")
    assert not preview.has_errors
    assert [r.action for r in preview.rows] == [
        Action.PERSON_EXISTS,
        Action.CLIENT_EXISTS,
        Action.CREATE_PERSON,
    ]
    assert preview.rows[0].action_label == "Already exists — skipped"
    assert preview.rows[0].client_id == cast.acme.pk
    assert (preview.clients_to_create, preview.people_to_create, preview.skipped) == (0, 1, 2)

    before = counts()
    result = importing.commit_import(data, "people.csv")
    assert (result.clients_created, result.people_created, result.skipped) == (0, 1, 2)
    assert counts() == (before[0], before[1] + 1, before[2])
    assert Person.objects.get(email="wendy@birch.test").client == cast.birch


def test_same_new_company_in_different_case_creates_one_client(cast):
    data = csv_bytes(
        "Harbour Vets,harbourvets.test,Helen,,helen@harbourvets.test,,,,",
        "HARBOUR  vets,hv.test,Sam,,sam@harbourvets.test,,,,",
    )
    importing.commit_import(data, "people.csv")
    harbour = Client.objects.get(name__iexact="harbour vets")
    assert harbour.name == "Harbour Vets"
    assert harbour.domain_list == ["harbourvets.test", "hv.test"]
    assert harbour.people.count() == 2


def test_a_failure_during_commit_rolls_everything_back(cast, monkeypatch):
    real = importing._create_person

    def failing(row, client, user=None):
        if row.email == "last@harbourvets.test":
            raise IntegrityError("disk on fire")
        return real(row, client, user)

    monkeypatch.setattr(importing, "_create_person", failing)
    data = csv_bytes(
        "Harbour Vets,,Helen,Marsh,helen@harbourvets.test,,boss,,",
        "Acme Dental,,Nora,Bright,nora@acme.test,,,,",
        "Harbour Vets,,Last,Row,last@harbourvets.test,,,,",
    )
    before = counts()
    with pytest.raises(importing.ImportCommitError, match="Row 4: disk on fire"):
        importing.commit_import(data, "people.csv")
    assert counts() == before
    assert not Client.objects.filter(name="Harbour Vets").exists()


def test_commit_revalidates_against_current_data(cast):
    data = csv_bytes("Birch & Co,,Zoe,Park,zoe@acme.test,,,,")
    assert not importing.build_preview(data, "people.csv").has_errors
    Person.objects.create(client=cast.acme, first_name="Zoe", email="zoe@acme.test")
    with pytest.raises(importing.ImportRejected) as caught:
        importing.commit_import(data, "people.csv")
    assert caught.value.preview.errors[0].row == 2


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"company\nAcme\n", "people.xls", "Only .csv and .xlsx"),
        (b"", "people.csv", "empty"),
        (b"name,email\nAcme,a@b.test\n", "people.csv", "No company column"),
        (b"company\n", "people.csv", "no data rows"),
        (b"company,client\nA,B\n", "people.csv", "same thing"),
        (b"not a zip file", "people.xlsx", "Excel workbook"),
    ],
)
def test_unusable_files_are_rejected_as_a_whole(db, data, name, message):
    with pytest.raises(importing.ImportFileError, match=message):
        importing.build_preview(data, name)


def test_stored_uploads_round_trip_and_refuse_path_tokens(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    token = importing.store_upload(b"company\nAcme\n", "../../etc/people.csv", 7)
    assert len(token) >= 32
    stored = importing.load_upload(token)
    assert (stored.data, stored.filename, stored.uploader_id) == (
        b"company\nAcme\n",
        "people.csv",
        7,
    )
    assert sorted(p.name for p in (tmp_path / "imports").iterdir()) == [
        f"{token}.json",
        f"{token}.upload",
    ]
    for bad in ("../../etc/passwd", "a" * 10, "x/../" + token):
        with pytest.raises(importing.UploadNotFound):
            importing.load_upload(bad)
    importing.delete_upload(token)
    assert list((tmp_path / "imports").iterdir()) == []


def test_sample_file_imports_cleanly(cast):
    from pathlib import Path

    sample = Path(importing.__file__).parent / "static" / "clients" / "import-sample.csv"
    preview = importing.build_preview(sample.read_bytes(), sample.name)
    assert not preview.has_errors, preview.errors
    assert (preview.clients_to_create, preview.people_to_create) == (2, 4)
