"""The mail pages for tests/test_every_page.py (same meaning as the dicts there)."""

PAGES: dict = {}
NOT_PAGES: dict = {
    "mail:webhook": "POST only, signed with the webhook secret; no login",
    "mail:webhook_mailbox": "POST only, signed with the webhook secret; no login",
}
STRICTER_INSIDE: dict = {}
