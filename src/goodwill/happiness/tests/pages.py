"""The happiness pages for tests/test_every_page.py (same meaning as the dicts there)."""

PAGES: dict = {
    "happiness:index": None,
    "happiness:clients": None,
    "happiness:playbook": None,
}
NOT_PAGES: dict = {
    "happiness:recompute": "POST only; tested in happiness/tests/test_pages.py",
    "happiness:radar_confirm": "POST only; tested in happiness/tests/test_pages.py",
    "happiness:radar_dismiss": "POST only; tested in happiness/tests/test_pages.py",
    "happiness:action": "POST only; tested in happiness/tests/test_playbook.py",
    "happiness:survey": "public page behind a signed token; tested in test_surveys.py",
}
STRICTER_INSIDE: dict = {}
