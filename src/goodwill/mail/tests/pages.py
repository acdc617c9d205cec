"""The mail pages for tests/test_every_page.py (same meaning as the dicts there)."""

PAGES: dict = {
    "mail:outbox": None,
    "mail:outbox_message": lambda cast: {"pk": _outbound_pk(cast)},
}
NOT_PAGES: dict = {
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
