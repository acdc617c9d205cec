"""IMAP polling: fetch new mail by UID, store and process it, and only then mark it on the server.

    poll_all(now)                 the "mail-poll" worker job, every minute
    poll_mailbox(mailbox, now)    one mailbox

RELIABILITY.md §2:
- One poller per mailbox: a lease taken with a conditional UPDATE on Mailbox (a second worker,
  or a poll still running from the last tick, finds it taken and skips the mailbox).
- UIDs only mean something with their UIDVALIDITY: when it changes, start again from UID 1.
  Nothing is duplicated: intake's unique key on (mailbox, Message-ID or hash) finds each
  message already stored.
- Messages are fetched with BODY.PEEK[] (which does not set \\Seen), a batch at a time, handed to
  mail.batch.receive_many(),
  which commits the raw message and its ticket or reply; only after that commit is the message
  flagged \\Seen (or moved to GOODWILL_IMAP_PROCESSED_FOLDER) and imap_last_uid advanced.
  A crash anywhere in between leaves the message to be fetched again, and found already stored.
- A failure stops the batch where it is: the rest are fetched on the next poll.

The password is read from the environment variable named in Mailbox.imap_password_env, never
stored in the database.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import ssl
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from imapclient import IMAPClient

from goodwill.happiness.signals import deferred_scoring
from goodwill.mail.models import Mailbox, MailboxKind

logger = logging.getLogger("goodwill.mail.imap")

LEASE = dt.timedelta(minutes=10)
TIMEOUT = 60  # seconds, per IMAP command
SEEN = b"\\Seen"
LOOPBACK = ("127.0.0.1", "::1", "localhost")


class IMAPSetupError(RuntimeError):
    """The mailbox cannot be polled as configured (no password, no such folder…)."""


# --- The lease ---------------------------------------------------------------------------------


def take_lease(mailbox: Mailbox, now: dt.datetime) -> str | None:
    token = secrets.token_hex(16)
    won = (
        Mailbox.objects.filter(pk=mailbox.pk)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_token=token, lease_until=now + LEASE)
    )
    return token if won else None


def _extend_lease(mailbox: Mailbox, token: str) -> None:
    Mailbox.objects.filter(pk=mailbox.pk, lease_token=token).update(
        lease_until=timezone.now() + LEASE
    )


def release_lease(mailbox: Mailbox, token: str) -> None:
    Mailbox.objects.filter(pk=mailbox.pk, lease_token=token).update(
        lease_token="", lease_until=None  # an empty lease token, not a password  # nosec B106
    )


# --- The connection ------------------------------------------------------------------------------


def password_for(mailbox: Mailbox) -> str:
    name = mailbox.imap_password_env.strip()
    if not name:
        raise IMAPSetupError(f"Mailbox {mailbox}: set imap_password_env to the variable's name.")
    value = os.environ.get(name)
    if value is None:
        raise IMAPSetupError(f"Mailbox {mailbox}: the environment variable {name} is not set.")
    return value


@contextmanager
def connect(mailbox: Mailbox) -> Iterator[IMAPClient]:
    client = IMAPClient(
        mailbox.imap_host,
        port=mailbox.imap_port,
        ssl=mailbox.imap_ssl,
        ssl_context=ssl.create_default_context() if mailbox.imap_ssl else None,
        timeout=TIMEOUT,
    )
    try:
        if not mailbox.imap_ssl and mailbox.imap_host not in LOOPBACK:
            # Never send a password in clear text over a network: STARTTLS or nothing.
            client.starttls(ssl.create_default_context())
        client.login(mailbox.imap_user, password_for(mailbox))
        yield client
    finally:
        try:
            client.logout()
        except Exception:  # noqa: BLE001 - the connection may already be gone
            logger.debug("imap: logout from %s failed", mailbox, exc_info=True)


# --- Polling -------------------------------------------------------------------------------------


def poll_all(now: dt.datetime | None = None) -> int:
    """The worker job: poll every active IMAP mailbox; a broken one does not stop the others."""
    now = now or timezone.now()
    fetched = 0
    for mailbox in Mailbox.objects.filter(kind=MailboxKind.IMAP, is_active=True).order_by("pk"):
        try:
            fetched += poll_mailbox(mailbox, now)
        except Exception:  # noqa: BLE001 - recorded on the mailbox, retried next minute
            logger.exception("imap: polling %s failed", mailbox)
    from goodwill.mail.webhook import prune_receipts

    prune_receipts(now)
    return fetched


def poll_mailbox(mailbox: Mailbox, now: dt.datetime | None = None) -> int:
    """Fetch, store and process what is new in one mailbox; returns how many were fetched.
    Returns 0 at once when another poller holds the mailbox."""
    now = now or timezone.now()
    token = take_lease(mailbox, now)
    if token is None:
        logger.info("imap: %s is being polled by another worker", mailbox)
        return 0
    try:
        with connect(mailbox) as client:
            count = _poll(client, mailbox, token)
    except Exception as error:
        Mailbox.objects.filter(pk=mailbox.pk).update(
            last_polled_at=now, last_error=f"{type(error).__name__}: {error}"[:2000]
        )
        raise
    finally:
        release_lease(mailbox, token)
    Mailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=now, last_error="")
    return count


def _poll(client: IMAPClient, mailbox: Mailbox, token: str) -> int:
    from goodwill.mail.batch import receive_many
    from goodwill.mail.intake import IntakeCache

    cache = IntakeCache()
    folder = mailbox.imap_folder or "INBOX"
    info = client.select_folder(folder)
    validity = int(info[b"UIDVALIDITY"])
    mailbox.refresh_from_db(fields=["imap_uidvalidity", "imap_last_uid", "lease_until"])
    last_uid = mailbox.imap_last_uid
    if mailbox.imap_uidvalidity != validity:
        if mailbox.imap_uidvalidity is not None:
            logger.warning(
                "imap: UIDVALIDITY of %s/%s changed from %s to %s: fetching everything again "
                "(messages already stored are recognised, not duplicated)",
                mailbox, folder, mailbox.imap_uidvalidity, validity,
            )  # fmt: skip
        last_uid = 0
        Mailbox.objects.filter(pk=mailbox.pk, lease_token=token).update(
            imap_uidvalidity=validity, imap_last_uid=0
        )
    # "n:*" always matches the newest message, even when it is below n: filter again.
    uids = sorted(uid for uid in client.search(["UID", f"{last_uid + 1}:*"]) if uid > last_uid)
    target = settings.GOODWILL_IMAP_PROCESSED_FOLDER
    if uids and target and not client.folder_exists(target):
        client.create_folder(target)
    fetched = 0
    batch_size = max(1, settings.GOODWILL_IMAP_BATCH)
    for start in range(0, len(uids), batch_size):
        batch = uids[start : start + batch_size]
        # BODY.PEEK[] leaves \Seen alone: the flag means "stored", set after the commit.
        data = client.fetch(batch, ["BODY.PEEK[]"])
        present = [uid for uid in batch if data.get(uid, {}).get(b"BODY[]") is not None]
        items = [
            (data[uid][b"BODY[]"], f"imap:{folder}:{validity}:{uid}") for uid in present
        ]  # the others were expunged meanwhile: nothing to store
        with deferred_scoring():  # happiness rescored once per batch, not per message
            receive_many(items, mailbox=mailbox, cache=cache)
        # Committed: now, and only now, tell the server and remember the UIDs.
        for uid in present:
            mark_done(client, uid, target)
            _advance(mailbox, token, uid)
        _advance(mailbox, token, batch[-1])
        fetched += len(present)
        _extend_lease(mailbox, token)
    return fetched


def mark_done(client: IMAPClient, uid: int, target: str = "") -> None:
    if target:
        if client.has_capability("MOVE"):
            client.move([uid], target)
        else:
            client.copy([uid], target)
            client.add_flags([uid], [b"\\Deleted"])
            if client.has_capability("UIDPLUS"):
                client.uid_expunge([uid])
            else:
                client.expunge()
    else:
        client.add_flags([uid], [SEEN])


def _advance(mailbox: Mailbox, token: str, uid: int) -> None:
    Mailbox.objects.filter(pk=mailbox.pk, lease_token=token, imap_last_uid__lt=uid).update(
        imap_last_uid=uid
    )
