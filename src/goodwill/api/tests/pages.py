"""The api pages for tests/test_every_page.py (same meaning as the dicts there)."""

PAGES: dict = {}
NOT_PAGES: dict = {}
STRICTER_INSIDE: dict = {}
