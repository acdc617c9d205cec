from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.support import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture
def page(monkeypatch, settings, tmp_path) -> Iterator[object]:
    """A page in headless Debian Chromium; skipped where Chromium is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian's chromium is not installed (/usr/bin/chromium missing): "
            "apt-get install chromium, as .ci/run does"
        )
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
    # test itself would otherwise be refused as "called from an async context".
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.MEDIA_ROOT = tmp_path  # uploads made through the browser stay out of var/
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            context.set_default_timeout(15_000)
            yield context.new_page()
        finally:
            browser.close()
