"""Files on tickets: uploaded with a message within the size limit, always served as downloads."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from goodwill.desk import services
from goodwill.desk.models import Attachment, Message

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.GOODWILL_MAX_ATTACHMENT_BYTES = 1024 * 1024


def upload(name: str, content: bytes = b"hello", content_type: str = "text/plain"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def attached(cast, name: str, content: bytes = b"hello") -> Attachment:
    return services.attach(cast.ticket, upload(name, content), by_user=cast.tech)


def download(http, attachment: Attachment):
    return http.get(reverse("desk:attachment", args=[attachment.pk]))


# --- Upload -------------------------------------------------------------------------------------


def test_files_come_with_the_reply_and_are_listed_under_it(as_tech, cast):
    response = as_tech.post(
        reverse("desk:reply", args=[cast.ticket.number]),
        {
            "mode": "reply",
            "body": "Here are the logs.",
            "files": [upload("vpn.log"), upload("router.png", b"\x89PNG", "image/png")],
        },
    )
    assert response.status_code == 302
    message = Message.objects.get(body="Here are the logs.")
    assert sorted(a.filename for a in message.attachments.all()) == ["router.png", "vpn.log"]
    html = as_tech.get(cast.ticket.get_absolute_url()).content.decode()
    assert "vpn.log</a>" in html and "router.png</a>" in html


def test_files_alone_are_attached_without_a_message(as_tech, cast):
    response = as_tech.post(
        reverse("desk:reply", args=[cast.ticket.number]),
        {"mode": "reply", "body": "", "files": [upload("photo.jpg", b"jpeg", "image/jpeg")]},
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.message is None and attachment.ticket == cast.ticket
    assert cast.ticket.messages.count() == 1
    assert cast.ticket.first_response_at is None


def test_a_file_over_the_limit_is_refused_with_the_sizes_and_nothing_is_sent(as_tech, cast):
    big = upload("scan.pdf", b"x" * (1024 * 1024 + 1), "application/pdf")
    response = as_tech.post(
        reverse("desk:reply", args=[cast.ticket.number]),
        {"mode": "reply", "body": "See the scan.", "files": [big]},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "scan.pdf is 1.0 MB: files can be at most 1.0 MB." in html
    assert "See the scan." in html  # what they wrote is kept
    assert not Attachment.objects.exists()
    assert not Message.objects.filter(body="See the scan.").exists()


def test_uploaded_files_get_generated_names_on_disk(cast):
    attachment = attached(cast, "../../etc/passwd")
    assert attachment.filename == "passwd"
    assert attachment.file.name.startswith("attachments/")
    assert "passwd" not in attachment.file.name


# --- Download -----------------------------------------------------------------------------------


def test_a_download_is_an_attachment_with_its_name_and_nosniff(as_tech, cast):
    response = download(as_tech, attached(cast, "vpn.log", b"tunnel down"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="vpn.log"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"tunnel down"


@pytest.mark.parametrize("name", ["page.html", "logo.svg", "evil.htm", "data.xml", "run.js"])
def test_risky_types_are_served_as_opaque_bytes(as_tech, cast, name):
    response = download(as_tech, attached(cast, name, b"<script>alert(1)</script>"))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in response["Content-Security-Policy"]


def test_ordinary_documents_keep_their_type(as_tech, cast):
    response = download(as_tech, attached(cast, "invoice.pdf", b"%PDF-1.4"))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="invoice.pdf"'


def test_odd_names_are_made_safe_for_the_header(as_tech, cast):
    attachment = attached(cast, "report.txt")
    Attachment.objects.filter(pk=attachment.pk).update(filename='bad"\r\nSet-Cookie: x=1.txt')
    response = download(as_tech, Attachment.objects.get(pk=attachment.pk))
    assert response.status_code == 200
    assert "\n" not in response["Content-Disposition"]
    assert response["Content-Disposition"] == 'attachment; filename="badSet-Cookie: x=1.txt"'


def test_non_ascii_names_survive(as_tech, cast):
    response = download(as_tech, attached(cast, "facture été.pdf"))
    assert "filename*=utf-8''facture%20%C3%A9t%C3%A9.pdf" in response["Content-Disposition"]


def test_a_missing_file_is_not_found(as_tech, cast):
    attachment = attached(cast, "gone.txt")
    attachment.file.storage.delete(attachment.file.name)
    assert download(as_tech, attachment).status_code == 404
    assert as_tech.get(reverse("desk:attachment", args=[99999])).status_code == 404


def test_every_staff_role_may_download_but_nobody_else(as_bookkeeper, cast, login, client):
    from goodwill.accounts.models import User

    attachment = attached(cast, "vpn.log")
    assert download(as_bookkeeper, attachment).status_code == 200
    portal = User.objects.create_user(username="maria", password="x" * 20)
    assert download(login(portal), attachment).status_code == 403
    anonymous = download(client, attachment)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


def test_when_the_status_is_refused_the_reply_and_its_files_are_undone(as_tech, cast, tmp_path):
    target = services.open_ticket(requester=cast.pa, subject="The real one")
    services.merge(cast.ticket, target, by_user=cast.owner)
    response = as_tech.post(
        reverse("desk:reply", args=[cast.ticket.number]),
        {"mode": "note", "body": "Late note", "then_status": "open", "files": [upload("a.txt")]},
    )
    assert f"This ticket was merged into {target.reference}." in response.content.decode()
    assert not Attachment.objects.exists()
    assert not Message.objects.filter(body="Late note").exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]
