"""IMAP polling against a real Dovecot: once per message, flagged only after the commit."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from goodwill.core.worker import JOBS, job_named
from goodwill.desk.models import Ticket
from goodwill.mail import batch, imap
from goodwill.mail.models import InboundMail, InboundStatus, Mailbox, MailboxKind
from goodwill.testing.dovecot import Dovecot

PASSWORD_ENV = "GOODWILL_TEST_IMAP_PASSWORD"


@pytest.fixture
def imap_mailbox(dovecot, media, monkeypatch, transactional_db):
    monkeypatch.setenv(PASSWORD_ENV, dovecot.password)
    return dovecot.mailbox(PASSWORD_ENV)


def eml(sender: str, n: int) -> bytes:
    return (
        f"From: {sender}\r\nTo: support@goodwill.test\r\nSubject: Problem {n}\r\n"
        f"Message-ID: <imap-{n}@acme.test>\r\nDate: Fri, 27 Nov 2026 10:0{n % 10}:00 +0000\r\n"
        f"\r\nNumber {n} is broken.\r\n"
    ).encode()


def flags(dovecot: Dovecot, folder: str = "INBOX") -> dict[int, tuple]:
    client = dovecot.client()
    try:
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        return {uid: data[b"FLAGS"] for uid, data in client.fetch(uids, ["FLAGS"]).items()}
    finally:
        client.logout()


def test_messages_are_fetched_once_and_flagged(cast, dovecot, imap_mailbox):
    dovecot.append("INBOX", *(eml(cast.pa.email, n) for n in range(3)))

    assert imap.poll_mailbox(imap_mailbox) == 3
    assert imap.poll_mailbox(imap_mailbox) == 0  # nothing new

    stored = InboundMail.objects.filter(mailbox=imap_mailbox)
    assert stored.count() == 3
    assert set(stored.values_list("status", flat=True)) == {InboundStatus.TICKET}
    assert Ticket.objects.filter(requester=cast.pa).count() == 3
    assert all(b"\\Seen" in f for f in flags(dovecot).values())
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.imap_last_uid == 3 and imap_mailbox.imap_uidvalidity
    assert imap_mailbox.lease_token == "" and imap_mailbox.last_error == ""


@pytest.mark.parametrize("batch_size", [1, 50])
def test_a_message_is_flagged_only_after_it_is_stored(
    cast, dovecot, imap_mailbox, monkeypatch, settings, batch_size
):
    settings.GOODWILL_IMAP_BATCH = batch_size
    dovecot.append("INBOX", eml(cast.pa.email, 1), eml(cast.pa.email, 2))
    seen_while_receiving = []
    real_receive = batch.receive_many

    def spying_receive(items, **kwargs):
        seen_while_receiving.append(flags(dovecot))
        return real_receive(items, **kwargs)

    monkeypatch.setattr(batch, "receive_many", spying_receive)
    imap.poll_mailbox(imap_mailbox)
    if batch_size == 1:
        # While the first was being stored nothing was flagged; while the second was, the first.
        assert [b"\\Seen" in f for f in seen_while_receiving[0].values()] == [False, False]
        assert [b"\\Seen" in f for f in seen_while_receiving[1].values()] == [True, False]
    else:  # both in one batch: nothing flagged until the batch is stored, then both
        assert [b"\\Seen" in f for f in seen_while_receiving[0].values()] == [False, False]
    assert all(b"\\Seen" in f for f in flags(dovecot).values())


def test_a_crash_after_storing_but_before_flagging_duplicates_nothing(
    cast, dovecot, imap_mailbox, monkeypatch, settings
):
    settings.GOODWILL_IMAP_BATCH = 1  # a message per fetch: the third is never fetched
    dovecot.append("INBOX", *(eml(cast.pa.email, n) for n in range(1, 4)))
    real_mark = imap.mark_done
    calls = []

    def dies_on_the_second(client, uid, target=""):
        calls.append(uid)
        if len(calls) == 2:
            raise ConnectionResetError("IMAP connection dropped")
        real_mark(client, uid, target)

    monkeypatch.setattr(imap, "mark_done", dies_on_the_second)
    assert imap.poll_all() == 0  # the failure is recorded, not raised into the worker
    imap_mailbox.refresh_from_db()
    assert "IMAP connection dropped" in imap_mailbox.last_error
    assert imap_mailbox.imap_last_uid == 1  # the second was stored but never marked
    assert InboundMail.objects.count() == 2  # the third was left for next time
    assert imap_mailbox.lease_token == ""  # the lease was given back

    monkeypatch.setattr(imap, "mark_done", real_mark)
    assert imap.poll_mailbox(imap_mailbox) == 2  # the second again, and the third
    assert InboundMail.objects.count() == 3
    assert Ticket.objects.filter(requester=cast.pa).count() == 3
    assert all(b"\\Seen" in f for f in flags(dovecot).values())


def test_a_uidvalidity_change_fetches_again_without_duplicates(cast, dovecot, imap_mailbox):
    imap_mailbox.imap_folder = "Support"
    imap_mailbox.save()
    dovecot.append("Support", eml(cast.pa.email, 1), eml(cast.pa.email, 2))
    assert imap.poll_mailbox(imap_mailbox) == 2
    imap_mailbox.refresh_from_db()
    first_validity = imap_mailbox.imap_uidvalidity

    # The folder is rebuilt on the server (a migration, a restore): new UIDVALIDITY, UIDs from 1.
    client = dovecot.client()
    client.delete_folder("Support")
    client.logout()
    dovecot.append("Support", eml(cast.pa.email, 1), eml(cast.pa.email, 2), eml(cast.pa.email, 3))

    assert imap.poll_mailbox(imap_mailbox) == 3
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.imap_uidvalidity != first_validity
    assert imap_mailbox.imap_last_uid == 3
    assert InboundMail.objects.count() == 3
    assert Ticket.objects.filter(requester=cast.pa).count() == 3


def test_one_poller_per_mailbox(cast, dovecot, imap_mailbox):
    dovecot.append("INBOX", eml(cast.pa.email, 1))
    now = timezone.now()
    assert imap.take_lease(imap_mailbox, now)  # another worker is polling it
    assert imap.poll_mailbox(imap_mailbox, now) == 0
    assert not InboundMail.objects.exists()
    # A lease left by a killed worker runs out.
    assert imap.poll_mailbox(imap_mailbox, now + imap.LEASE + dt.timedelta(minutes=1)) == 1


def test_processed_mail_can_be_moved_to_a_folder(cast, dovecot, imap_mailbox, settings):
    settings.GOODWILL_IMAP_PROCESSED_FOLDER = "Processed"
    dovecot.append("INBOX", eml(cast.pa.email, 1), eml(cast.pa.email, 2))
    assert imap.poll_mailbox(imap_mailbox) == 2
    assert flags(dovecot, "INBOX") == {}
    assert len(flags(dovecot, "Processed")) == 2
    assert imap.poll_mailbox(imap_mailbox) == 0


def test_a_missing_password_is_a_clear_error_on_the_mailbox(dovecot, imap_mailbox, monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV)
    assert imap.poll_all() == 0
    imap_mailbox.refresh_from_db()
    assert PASSWORD_ENV in imap_mailbox.last_error and "not set" in imap_mailbox.last_error


def test_the_worker_polls_every_minute():
    job = job_named("mail-poll", JOBS)
    assert job.path == "goodwill.mail.imap.poll_all" and job.every == dt.timedelta(minutes=1)


def test_the_setup_command_checks_the_login_and_polls(cast, dovecot, media, monkeypatch):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    monkeypatch.setenv(PASSWORD_ENV, dovecot.password)
    dovecot.append("INBOX", eml(cast.pa.email, 1))
    out = StringIO()
    call_command(
        "imap_mailbox", "support", "--host", "127.0.0.1", "--port", str(dovecot.port),
        "--user", dovecot.user, "--password-env", PASSWORD_ENV, "--no-ssl", "--poll",
        stdout=out,
    )  # fmt: skip
    text = out.getvalue()
    assert "Logged in: 1 messages in INBOX" in text and "Fetched 1 new message." in text
    mailbox = Mailbox.objects.get(name="support")
    assert mailbox.kind == MailboxKind.IMAP and not mailbox.imap_ssl
    assert mailbox.imap_password_env == PASSWORD_ENV  # the name, never the password
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    with pytest.raises(CommandError, match="Could not read the mailbox"):
        call_command("imap_mailbox", "support", stdout=StringIO())


def test_a_new_mailbox_can_start_from_now(cast, dovecot, media, monkeypatch):
    from io import StringIO

    from django.core.management import call_command

    monkeypatch.setenv(PASSWORD_ENV, dovecot.password)
    dovecot.append("INBOX", eml(cast.pa.email, 1), eml(cast.pa.email, 2))  # years of old mail
    call_command(
        "imap_mailbox", "support", "--host", "127.0.0.1", "--port", str(dovecot.port),
        "--user", dovecot.user, "--password-env", PASSWORD_ENV, "--no-ssl", "--from-now",
        stdout=StringIO(),
    )  # fmt: skip
    mailbox = Mailbox.objects.get(name="support")
    assert imap.poll_mailbox(mailbox) == 0
    dovecot.append("INBOX", eml(cast.pa.email, 3))
    assert imap.poll_mailbox(mailbox) == 1
    assert list(InboundMail.objects.values_list("subject", flat=True)) == ["Problem 3"]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two pollers racing needs PostgreSQL (SQLite's in-memory test DB serialises them)",
)
def test_two_workers_polling_at_once_fetch_each_message_once(cast, dovecot, imap_mailbox):
    dovecot.append("INBOX", *(eml(cast.pa.email, n) for n in range(6)))
    barrier = threading.Barrier(2)
    counts: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            counts.append(imap.poll_mailbox(Mailbox.objects.get(pk=imap_mailbox.pk)))
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(counts) == [0, 6]  # one held the lease, the other stepped aside
    assert InboundMail.objects.count() == 6
    assert Ticket.objects.filter(requester=cast.pa).count() == 6
