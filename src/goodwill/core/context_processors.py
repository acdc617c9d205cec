from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from goodwill.accounts.permissions import CAPABILITIES, can

# (label, url name, icon). Areas whose app has not landed yet are skipped: their URL name does
# not resolve, so the navigation grows as the product does without a flag to remember.
MAIN_NAV = [
    ("Dashboard", "dashboard", "speedometer2"),
    ("Clients", "clients:list", "buildings"),
    ("Tickets", "desk:queue", "inbox"),
    ("Happiness", "happiness:index", "heart-pulse"),
    ("Contracts", "contracts:list", "file-earmark-text"),
    ("Invoices", "billing:invoices", "receipt"),
    ("Calendar", "scheduling:calendar", "calendar3"),
    ("Prospects", "scheduling:prospects", "funnel"),
    ("Mail", "mail:index", "envelope"),
    ("Reports", "billing:revenue", "bar-chart"),
]


def _resolve(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    items = []
    current = request.path
    for label, name, icon in MAIN_NAV:
        url = _resolve(name)
        if url is None:
            continue
        active = current == url if url == "/" else current.startswith(url)
        items.append({"label": label, "url": url, "icon": icon, "active": active})
    # Template-friendly keys: can.clients_edit for "clients.edit".
    perms = {cap.replace(".", "_"): can(user, cap) for cap in CAPABILITIES} if user else {}
    return {
        "main_nav": items,
        "can": perms,
        "provider_name": settings.GOODWILL_PROVIDER_NAME,
    }
