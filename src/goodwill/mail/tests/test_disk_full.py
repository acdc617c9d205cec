"""Disk full while an attachment is written: a clear reason, the message quarantined whole (no
ticket without its file), the rest of the batch taken in, and a retry that works once there
is room. The disk is a real, small tmpfs (mounting one needs root, as CI runs)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess

import pytest
from django.core.management import call_command

from goodwill.desk.models import Attachment, Ticket
from goodwill.mail import services
from goodwill.mail.models import InboundMail, InboundStatus
from goodwill.mail.samples import make_eml

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        os.geteuid() != 0 or not shutil.which("mount"), reason="mounting a small tmpfs needs root"
    ),
]


def _run(*args: str, check: bool = True) -> None:
    # Fixed programs and arguments built here; the only variable part is our tmp path.
    subprocess.run([shutil.which(args[0]) or args[0], *args[1:]], check=check)  # noqa: S603


@pytest.fixture
def small_disk(tmp_path, settings):
    """MEDIA_ROOT on a 256 KB tmpfs; grow it with small_disk(size)."""
    mount = tmp_path / "media"
    mount.mkdir()
    _run("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount))
    settings.MEDIA_ROOT = mount

    def grow(size: str) -> None:
        _run("mount", "-o", f"remount,size={size}", str(mount))

    yield grow
    _run("umount", "-l", str(mount), check=False)


def test_disk_full_quarantines_the_message_and_a_retry_takes_it_in(cast, small_disk, tmp_path):
    scan = os.urandom(120_000)  # stored raw in base64 (~165 KB) it fits; the file after it not
    big = tmp_path / "big.eml"
    big.write_bytes(make_eml(sender="maria@acme.test", subject="Scanned contract", body="Attached",
                             message_id="big@acme.test",
                             attachments=[("contract.pdf", scan, "application/pdf")]))  # fmt: skip
    small = tmp_path / "small.eml"
    small.write_bytes(make_eml(sender="tom@acme.test", subject="Mouse broken", body="Left button",
                               message_id="small@acme.test"))  # fmt: skip

    out = io.StringIO()
    call_command("ingest", str(big), str(small), "--no-progress", stdout=out, stderr=io.StringIO())

    assert "1 tickets" in out.getvalue() and "1 quarantined" in out.getvalue()
    stuck = InboundMail.objects.get(message_id="big@acme.test")
    assert stuck.status == InboundStatus.QUARANTINED
    assert "contract.pdf" in stuck.reason and "disk" in stuck.reason and "full" in stuck.reason
    assert not Ticket.objects.filter(subject="Scanned contract").exists()  # nothing half-made
    assert Ticket.objects.filter(subject="Mouse broken").exists()  # the rest went on

    small_disk("4m")
    retried = services.retry(stuck, by_user=cast.owner)

    assert retried.status == InboundStatus.TICKET
    attachment = Attachment.objects.get(ticket__subject="Scanned contract")
    with attachment.file.open("rb") as handle:
        assert handle.read() == scan
