"""Import pages: upload, preview with row errors, commit, permissions, stored uploads."""

from __future__ import annotations

import json

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from goodwill.clients import importing
from goodwill.clients.models import Client, Person

GOOD_CSV = (
    b"company,company_domains,first_name,last_name,email,roles\n"
    b"Harbour Vets,harbourvets.test,Helen,Marsh,helen@harbourvets.test,boss\n"
    b"Harbour Vets,,Sam,Reed,sam@harbourvets.test,pa\n"
    b"Acme Dental,,Maria,Shaw,maria@acme.test,boss\n"
)
BAD_CSV = (
    b"company,first_name,email,time_zone\n"
    b"Harbour Vets,Helen,helen@harbourvets.test,\n"
    b"Harbour Vets,Sam,tom@acme.test,Narnia/Lamp\n"
)


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def upload(http, data: bytes, name: str = "people.csv"):
    return http.post(reverse("clients:import"), {"file": SimpleUploadedFile(name, data)})


def stored_files(tmp_path) -> list[str]:
    folder = tmp_path / "imports"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_upload_page_links_the_sample_file(as_manager):
    response = as_manager.get(reverse("clients:import"))
    assert response.status_code == 200
    assert b"clients/import-sample.csv" in response.content
    assert b'enctype="multipart/form-data"' in response.content


def test_good_csv_preview_then_commit(as_manager, cast, tmp_path):
    response = upload(as_manager, GOOD_CSV)
    assert response.status_code == 302
    token = response.url.rstrip("/").rsplit("/", 1)[-1]
    assert len(token) >= 32
    meta = json.loads((tmp_path / "imports" / f"{token}.json").read_text())
    assert meta["filename"] == "people.csv"
    assert meta["uploader_id"] == cast.manager.pk

    page = as_manager.get(response.url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Import 2 people" in html
    assert "Already exists — skipped" in html
    assert "disabled" not in html.split("Import 2 people")[0].rsplit("<button", 1)[-1]
    assert page.context["preview"].clients_to_create == 1
    assert Client.objects.filter(name="Harbour Vets").count() == 0  # nothing written yet

    done = as_manager.post(response.url, {"action": "commit"}, follow=True)
    assert done.redirect_chain[0] == (reverse("clients:list"), 302)
    assert "Import done" in str(list(done.context["messages"])[0])
    assert Person.objects.get(email="sam@harbourvets.test").client.name == "Harbour Vets"
    assert stored_files(tmp_path) == []


def test_good_xlsx_upload_imports(as_owner, cast):
    data = tablib.Dataset(headers=["Client", "First name", "Email"])
    data.append(["Harbour Vets", "Helen", "helen@harbourvets.test"])
    response = upload(as_owner, data.export("xlsx"), "people.xlsx")
    assert response.status_code == 302
    as_owner.post(response.url, {"action": "commit"})
    assert Person.objects.filter(email="helen@harbourvets.test").exists()


def test_preview_with_errors_disables_import_and_commit_writes_nothing(as_manager, cast):
    response = upload(as_manager, BAD_CSV)
    page = as_manager.get(response.url)
    html = page.content.decode()
    assert "Fix the file and upload it again" in html
    assert "disabled" in html
    assert "Row 3</a>, <code>email</code>" in html
    assert "tom@acme.test already belongs to Tom Ito at Acme Dental" in html
    assert "Narnia/Lamp" in html
    assert 'class="gw-import-bad"' in html

    before = (Client.objects.count(), Person.objects.count())
    refused = as_manager.post(response.url, {"action": "commit"})
    assert refused.status_code == 409
    assert (Client.objects.count(), Person.objects.count()) == before


def test_commit_revalidates_and_keeps_the_file_when_data_changed(as_manager, cast, tmp_path):
    response = upload(as_manager, b"company,first_name,email\nBirch & Co,Zoe,zoe@acme.test\n")
    Person.objects.create(client=cast.acme, first_name="Zoe", email="zoe@acme.test")
    refused = as_manager.post(response.url, {"action": "commit"})
    assert refused.status_code == 409
    assert "The data changed since the preview" in refused.content.decode()
    assert not Person.objects.filter(client=cast.birch, first_name="Zoe").exists()
    assert len(stored_files(tmp_path)) == 2


def test_commit_is_post_only(as_manager, cast):
    response = upload(as_manager, GOOD_CSV)
    as_manager.get(response.url)
    as_manager.get(response.url + "?action=commit")
    assert not Client.objects.filter(name="Harbour Vets").exists()


def test_discard_deletes_the_stored_file(as_manager, cast, tmp_path):
    response = upload(as_manager, GOOD_CSV)
    gone = as_manager.post(response.url, {"action": "discard"})
    assert gone.url == reverse("clients:import")
    assert stored_files(tmp_path) == []
    assert as_manager.get(response.url).status_code == 404


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"company\nAcme\n", "people.xls", "Only .csv and .xlsx files"),
        (b"company\nAcme\n", "people.pdf", "Only .csv and .xlsx files"),
        (b"name,email\nAcme,a@b.test\n", "people.csv", "No company column"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(as_manager, tmp_path, data, name, message):
    response = upload(as_manager, data, name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert stored_files(tmp_path) == []


def test_upload_size_is_limited(as_manager, monkeypatch, tmp_path):
    monkeypatch.setattr(importing, "MAX_UPLOAD_BYTES", 100)
    response = upload(as_manager, GOOD_CSV)
    assert response.status_code == 200
    assert "the limit is" in response.content.decode()
    assert stored_files(tmp_path) == []


def test_tech_gets_the_not_allowed_page(as_tech, as_manager, cast):
    assert as_tech.get(reverse("clients:import")).status_code == 403
    refused = upload(as_tech, GOOD_CSV)
    assert refused.status_code == 403
    assert b"can't do this with your role" in refused.content
    token = upload(as_manager, GOOD_CSV).url.rstrip("/").rsplit("/", 1)[-1]
    url = reverse("clients:import_preview", args=[token])
    assert as_tech.post(url, {"action": "commit"}).status_code == 403
    assert not Client.objects.filter(name="Harbour Vets").exists()


def test_someone_elses_or_unknown_upload_is_not_found(as_manager, as_owner, cast):
    response = upload(as_manager, GOOD_CSV)
    assert as_owner.get(response.url).status_code == 404
    assert as_owner.post(response.url, {"action": "commit"}).status_code == 404
    unknown = reverse("clients:import_preview", args=["x" * 32])
    assert as_manager.get(unknown).status_code == 404
    assert (
        as_manager.get(reverse("clients:import_preview", args=["..%2F..%2Fetc"])).status_code == 404
    )


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("clients:import"))
    assert response.status_code == 302
    assert "login" in response.url
