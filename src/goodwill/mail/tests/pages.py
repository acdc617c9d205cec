"""The mail pages for tests/test_every_page.py (same meaning as the dicts there)."""

PAGES: dict = {
    "mail:index": None,
    "mail:quarantine": None,
    "mail:triage": None,
    "mail:inbound": lambda cast: {"pk": _inbound_pk(cast)},
    "mail:outbox": None,
    "mail:outbox_message": lambda cast: {"pk": _outbound_pk(cast)},
}
NOT_PAGES: dict = {
    "mail:inbound_html": "the sanitised HTML part, a fragment for a sandboxed iframe (mail.view)",
    "mail:inbound_raw": "download of the message as received (.eml, mail.view)",
    "mail:inbound_retry": "POST only (mail.manage)",
    "mail:inbound_discard": "POST only (mail.manage)",
    "mail:inbound_assign": "POST only (mail.manage)",
    "mail:message_original": "redirects from a ticket message to its e-mail (mail.view)",
    "mail:outbox_retry": "POST only (mail.manage)",
    "mail:outbox_cancel": "POST only (mail.manage)",
    "mail:webhook": "POST only, signed with the webhook secret; no login",
    "mail:webhook_mailbox": "POST only, signed with the webhook secret; no login",
}
STRICTER_INSIDE: dict = {}


def _outbound_pk(cast) -> int:
    from goodwill.core import outbox

    row = outbox.enqueue(
        kind="test.page", to=[cast.boss.email], subject="Page check", text="Hello",
        dedupe_key="pages:outbox_message",
    )  # fmt: skip
    return row.pk


def _inbound_pk(cast) -> int:
    # A row whose raw file is missing: the page must still render (and say so).
    from goodwill.mail.models import InboundMail, InboundStatus, Mailbox

    mailbox = Mailbox.objects.create(name="Pages", kind="manual")
    row = InboundMail.objects.create(
        mailbox=mailbox, dedupe_key="pages@test", message_id="pages@test", sha256="0" * 64,
        raw_path="mail/raw/00/missing.eml", size=1, status=InboundStatus.QUARANTINED,
        reason="Page check", subject="Page check", from_address="x@elsewhere.example",
    )  # fmt: skip
    return row.pk
