"""The API's pages for tests/test_every_page.py (same meaning as the dicts there).

The staff pages (tokens, webhooks) are PAGES; the API's own routes are JSON, not pages, and
tests/test_isolation.py walks every one of them.
"""

from __future__ import annotations


def _subscription(c):
    from goodwill.api.models import WebhookSubscription

    return WebhookSubscription.objects.create(
        name="CRM", url="https://crm.example.com/hook", secret="s", events=["ticket.created"]
    )


PAGES: dict = {
    "api:tokens": None,
    "api:webhooks": None,
    "api:webhook": lambda c: {"pk": _subscription(c).pk},
}

_JSON = "a JSON API route; api/tests/test_api.py and tests/test_isolation.py"


def _api_routes() -> dict[str, str]:
    from goodwill.api.urls import _api_patterns

    return {f"api:{p.name}": _JSON for p in _api_patterns if getattr(p, "name", None)}


NOT_PAGES: dict = {
    "api:revoke_token": "POST only; api/tests/test_tokens.py",
    "api:not_found": "the API's 404 for unknown paths; api/tests/test_api.py",
    **_api_routes(),
}
STRICTER_INSIDE: dict = {}
