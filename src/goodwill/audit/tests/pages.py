"""The audit pages for tests/test_every_page.py (same meaning as the dicts there)."""

PAGES: dict = {
    "audit:log": None,
}
NOT_PAGES: dict = {
    "audit:export": "a CSV download; audit/tests/test_audit_log.py",
}
STRICTER_INSIDE: dict = {}
