"""Devices: the list and its filters, the form's client rules, permissions, CSV/XLSX import."""

from __future__ import annotations

import datetime as dt

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from goodwill.clients.importing import ImportCommitError, ImportRejected
from goodwill.clients.models import Site
from goodwill.desk import assets
from goodwill.desk.models import Asset, AssetType

LIST = reverse("desk:assets")
CREATE = reverse("desk:asset_create")
IMPORT = reverse("desk:asset_import")


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path  # where uploads wait between preview and commit


def device(cast, name: str, **extra) -> Asset:
    return Asset.objects.create(client=extra.pop("client", cast.acme), name=name, **extra)


# --- The list -----------------------------------------------------------------------------


def test_the_list_filters_by_client_type_and_search(as_bookkeeper, cast):
    device(cast, "RECEPTION-PC", asset_type=AssetType.DESKTOP, serial="CZC123")
    device(cast, "Back office printer", asset_type=AssetType.PRINTER)
    device(cast, "BIRCH-SRV", client=cast.birch, asset_type=AssetType.SERVER)

    def names(**params) -> list[str]:
        response = as_bookkeeper.get(LIST, params)
        assert response.status_code == 200
        return [a.name for a in response.context["page"]]

    assert names() == ["Back office printer", "RECEPTION-PC", "BIRCH-SRV"]
    assert names(client=cast.birch.pk) == ["BIRCH-SRV"]
    assert names(type="printer") == ["Back office printer"]
    assert names(q="czc") == ["RECEPTION-PC"]
    assert names(sort="-name") == ["RECEPTION-PC", "BIRCH-SRV", "Back office printer"]


def test_the_list_filters_by_warranty_and_colours_it(as_tech, cast):
    today = timezone.localdate()
    device(cast, "Old laptop", warranty_end=today - dt.timedelta(days=1))
    device(cast, "Ending laptop", warranty_end=today + dt.timedelta(days=90))
    device(cast, "New laptop", warranty_end=today + dt.timedelta(days=91))
    device(cast, "Unknown laptop")

    def names(warranty: str) -> list[str]:
        return [a.name for a in as_tech.get(LIST, {"warranty": warranty}).context["page"]]

    assert names("expiring") == ["Ending laptop"]
    assert names("expired") == ["Old laptop"]
    html = as_tech.get(LIST).content.decode()
    assert "expired yesterday" in html
    assert "ends in 90 days" in html


def test_the_list_is_paginated_and_links_to_the_other_desk_pages(as_owner, cast):
    Asset.objects.bulk_create(Asset(client=cast.acme, name=f"PC-{n:03}") for n in range(55))
    first = as_owner.get(LIST)
    assert len(first.context["page"]) == 50
    assert len(as_owner.get(LIST, {"page": 2}).context["page"]) == 5
    html = first.content.decode()
    assert reverse("desk:recurring") in html and reverse("desk:queue") in html
    assert IMPORT in html and CREATE in html


def test_the_list_shows_no_change_buttons_to_the_bookkeeper(as_bookkeeper, cast):
    html = as_bookkeeper.get(LIST).content.decode()
    assert CREATE not in html and IMPORT not in html


# --- The form -----------------------------------------------------------------------------


def form_data(cast, **extra) -> dict[str, object]:
    data = {
        "client": cast.acme.pk,
        "name": "RECEPTION-PC",
        "asset_type": "desktop",
        "serial": " CZC123 ",
        "site": cast.acme_site.pk,
        "contract": cast.acme_contract.pk,
        "assigned_to": cast.complainer.pk,
        "warranty_end": "2027-03-31",
        "notes": "",
    }
    data.update(extra)
    return data


def test_a_technician_adds_a_device(as_tech, cast):
    response = as_tech.post(CREATE, form_data(cast))
    assert response.status_code == 302
    asset = Asset.objects.get()
    assert asset.serial == "CZC123"
    assert asset.assigned_to == cast.complainer
    assert asset.warranty_end == dt.date(2027, 3, 31)
    assert response.url == f"{LIST}?client={cast.acme.pk}"


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("site", "Pick one of Acme Dental&#x27;s sites."),
        ("assigned_to", "Pick someone who works at Acme Dental."),
        ("contract", "Pick one of Acme Dental&#x27;s contracts."),
    ],
)
def test_site_person_and_contract_must_belong_to_the_client(as_tech, cast, field, message):
    other = {
        "site": Site.objects.create(client=cast.birch, name="Birch yard").pk,
        "assigned_to": cast.birch_user.pk,
        "contract": cast.birch_contract.pk,
    }[field]
    response = as_tech.post(CREATE, form_data(cast, **{field: other}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Asset.objects.exists()


def test_a_serial_is_unique_per_client_only(as_tech, cast):
    device(cast, "RECEPTION-PC", serial="CZC123")
    response = as_tech.post(CREATE, form_data(cast, name="Copy"))
    assert "Acme Dental already has a device with this serial: RECEPTION-PC." in (
        response.content.decode()
    )
    birch = form_data(
        cast,
        client=cast.birch.pk,
        site="",
        contract="",
        assigned_to=cast.birch_user.pk,
    )
    assert as_tech.post(CREATE, birch).status_code == 302
    assert Asset.objects.filter(serial="CZC123").count() == 2


def test_editing_keeps_its_own_serial(as_manager, cast):
    asset = device(cast, "RECEPTION-PC", serial="CZC123")
    url = reverse("desk:asset_edit", args=[asset.pk])
    assert as_manager.post(url, form_data(cast, name="FRONT-DESK-PC")).status_code == 302
    asset.refresh_from_db()
    assert asset.name == "FRONT-DESK-PC"


def test_choosing_a_client_offers_its_sites_people_and_contract_in_force(as_tech, cast):
    response = as_tech.get(CREATE, {"client": cast.acme.pk}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "Head office" in html and "Maria Shaw" in html and "Beth Oak" not in html
    form = response.context["form"]
    assert form["contract"].value() == cast.acme_contract.pk


def test_the_bookkeeper_sees_a_device_read_only_and_cannot_change_it(as_bookkeeper, cast):
    asset = device(cast, "RECEPTION-PC")
    url = reverse("desk:asset_edit", args=[asset.pk])
    page = as_bookkeeper.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Read only" in html and "Save device" not in html
    assert as_bookkeeper.post(url, form_data(cast)).status_code == 403
    assert as_bookkeeper.get(CREATE).status_code == 403
    asset.refresh_from_db()
    assert asset.serial == ""


def test_the_device_page_lists_its_tickets(as_tech, cast):
    asset = device(cast, "VPN-ROUTER")
    cast.ticket.asset = asset
    cast.ticket.save(update_fields=["asset"])
    html = as_tech.get(reverse("desk:asset_edit", args=[asset.pk])).content.decode()
    assert cast.ticket.reference in html


# --- Import -------------------------------------------------------------------------------

GOOD_CSV = (
    b"client,name,type,serial,site,assigned_to,warranty_end\n"
    b"Acme Dental,RECEPTION-PC,desktop,CZC1,Head office,dave@acme.test,31/03/2027\n"
    b"acme dental,Dentist laptop,Notebook,CZC2,,MARIA@acme.test,2027-01-15\n"
    b"Birch & Co,BIRCH-SRV,server,,,,\n"
    b"Acme Dental,Already here,printer,OLD1,,,\n"
)

BAD_CSV = (
    b"Client,Device,Type,Serial,Site,Assigned to,Warranty\n"
    b"Nobody Ltd,PC-1,desktop,,,,\n"
    b"Acme Dental,PC-2,toaster,,,,\n"
    b"Acme Dental,PC-3,,S1,Basement,,\n"
    b"Acme Dental,PC-4,,S1,,bill@birch.test,31/02/2027\n"
    b"Acme Dental,,,,,not-an-email,next year\n"
)


def _imports_dir():
    from goodwill.clients.importing import imports_dir

    return imports_dir()


def upload(http, data: bytes, name: str = "devices.csv"):
    return http.post(IMPORT, {"file": SimpleUploadedFile(name, data)})


def test_a_good_file_is_previewed_then_imported(as_tech, cast):
    device(cast, "Already here", serial="OLD1")
    response = upload(as_tech, GOOD_CSV)
    assert response.status_code == 302
    assert response.url.startswith(f"{IMPORT}?token=")
    page = as_tech.get(response.url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Import 3 devices" in html
    assert "On record as Already here: skipped" in html
    assert Asset.objects.count() == 1  # nothing written yet

    done = as_tech.post(response.url, {"action": "commit"}, follow=True)
    assert done.redirect_chain[-1] == (LIST, 302)
    assert "3 devices added, 1 row already on record skipped" in str(
        list(done.context["messages"])[0]
    )
    pc = Asset.objects.get(name="RECEPTION-PC")
    assert (pc.client, pc.site, pc.assigned_to) == (cast.acme, cast.acme_site, cast.complainer)
    assert pc.asset_type == AssetType.DESKTOP
    assert pc.warranty_end == dt.date(2027, 3, 31)
    assert pc.contract == cast.acme_contract  # the contract in force
    laptop = Asset.objects.get(name="Dentist laptop")
    assert (laptop.asset_type, laptop.assigned_to) == (AssetType.LAPTOP, cast.boss)
    assert laptop.warranty_end == dt.date(2027, 1, 15)
    assert Asset.objects.get(name="BIRCH-SRV").contract == cast.birch_contract
    assert not any((settings_dir := _imports_dir()).iterdir()), settings_dir


def test_every_row_error_is_shown_with_its_row_and_column_and_nothing_is_written(as_tech, cast):
    response = upload(as_tech, BAD_CSV)
    page = as_tech.get(response.url)
    preview = page.context["preview"]
    errors = {(e.row, e.column) for e in preview.errors}
    assert errors == {
        (2, "client"),
        (3, "type"),
        (4, "site"),
        (5, "serial"),
        (5, "assigned_to"),
        (5, "warranty_end"),
        (6, "name"),
        (6, "assigned_to"),
        (6, "warranty_end"),
    }
    html = page.content.decode()
    assert "no client called “Nobody Ltd”" in html
    assert "Acme Dental has no site “Basement”; its sites are Head office." in html
    assert "S1 is also on row 4." in html
    assert "bill@birch.test is Bill Birch at Birch &amp; Co, not at Acme Dental." in html
    assert "“31/02/2027” is not a date" in html
    assert 'disabled aria-describedby="import-blocked"' in html

    refused = as_tech.post(response.url, {"action": "commit"})
    assert refused.status_code == 409
    assert not Asset.objects.exists()


def test_a_failure_while_writing_rolls_the_whole_import_back(cast, monkeypatch):
    real_save = Asset.save
    calls = []

    def failing_save(self, *args, **kwargs):
        calls.append(self.name)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Asset, "save", failing_save)
    with pytest.raises(ImportCommitError, match="Row 3: disk full. Nothing was imported."):
        assets.commit_import(GOOD_CSV, "devices.csv")
    assert not Asset.objects.exists()


def test_a_file_with_errors_is_never_committed(cast):
    with pytest.raises(ImportRejected):
        assets.commit_import(BAD_CSV, "devices.csv")
    assert not Asset.objects.exists()


def test_data_that_changed_since_the_preview_is_checked_again_at_commit(as_tech, cast):
    response = upload(as_tech, GOOD_CSV)
    assert as_tech.get(response.url).context["preview"].can_commit
    cast.acme_site.delete()  # row 2 names it
    refused = as_tech.post(response.url, {"action": "commit"})
    assert refused.status_code == 409
    assert "The data changed since the preview" in refused.content.decode()
    assert not Asset.objects.exists()


def test_devices_already_on_record_are_skipped_so_a_second_import_adds_nothing(cast):
    first = assets.commit_import(GOOD_CSV, "devices.csv")
    assert (first.created, first.skipped) == (4, 0)
    preview = assets.build_preview(GOOD_CSV, "devices.csv")
    assert (preview.to_create, preview.skipped) == (1, 3)  # BIRCH-SRV has no serial to match
    assert not preview.has_errors


def test_an_xlsx_file_with_dates_as_cells_imports(as_owner, cast):
    data = tablib.Dataset(headers=["Client", "Name", "Warranty end"])
    data.append(["Acme Dental", "Spare laptop", dt.datetime(2027, 6, 30)])  # noqa: DTZ001
    response = upload(as_owner, data.export("xlsx"), "devices.xlsx")
    assert response.status_code == 302
    as_owner.post(response.url, {"action": "commit"})
    assert Asset.objects.get(name="Spare laptop").warranty_end == dt.date(2027, 6, 30)


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"name,serial\nPC,1\n", "devices.csv", "No client column found"),
        (b"client,name\n", "devices.csv", "header row but no data rows"),
        (b"client,name\nAcme Dental,PC\n", "devices.txt", "Only .csv and .xlsx"),
    ],
)
def test_an_unusable_file_is_refused_at_upload(as_tech, cast, data, name, message):
    response = upload(as_tech, data, name)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_discarding_deletes_the_upload(as_tech, cast, tmp_path):
    response = upload(as_tech, GOOD_CSV)
    assert any((tmp_path / "imports").iterdir())
    as_tech.post(response.url, {"action": "discard"})
    assert not any((tmp_path / "imports").iterdir())
    assert as_tech.get(response.url).status_code == 404


def test_an_upload_is_only_for_the_person_who_made_it(as_tech, as_manager, cast):
    response = upload(as_tech, GOOD_CSV)
    assert as_manager.get(response.url).status_code == 404
    assert as_manager.post(response.url, {"action": "commit"}).status_code == 404
    assert not Asset.objects.exists()


def test_the_bookkeeper_cannot_import(as_bookkeeper, cast):
    assert as_bookkeeper.get(IMPORT).status_code == 403
    assert upload(as_bookkeeper, GOOD_CSV).status_code == 403


def test_dates_are_read_iso_or_day_first():
    assert assets.parse_date("2027-03-31") == dt.date(2027, 3, 31)
    assert assets.parse_date("31/03/2027") == dt.date(2027, 3, 31)
    assert assets.parse_date("2027-03-31 00:00:00") == dt.date(2027, 3, 31)
    for bad in ("03/31/2027", "31.03.2027", "2027-02-30", "soon"):
        with pytest.raises(ValueError):
            assets.parse_date(bad)
