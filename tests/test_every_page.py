"""Every staff page renders for the owner, and every page is listed here.

The second test walks the URL configuration, so a page added without a line below fails the
suite until someone decides how it should be smoke-tested.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from goodwill.testing.personas import Cast

pytestmark = pytest.mark.django_db


def _schedule(c: Cast):
    from goodwill.desk.models import RecurringTicket

    return RecurringTicket.objects.create(
        client=c.acme,
        requester=c.boss,
        subject="Monthly backup check",
        next_due_at=c.ticket.opened_at,
    )


def _asset(c: Cast):
    from goodwill.desk.models import Asset

    return Asset.objects.create(client=c.acme, name="RECEPTION-PC", site=c.acme_site)


# name -> function building its kwargs from the cast (None = no arguments).
PAGES = {
    "dashboard": None,
    "search": None,
    "accounts:team": None,
    "accounts:staff_create": None,
    "accounts:staff_edit": lambda c: {"pk": c.tech.pk},
    "clients:list": None,
    "clients:create": None,
    "clients:detail": lambda c: {"pk": c.acme.pk},
    "clients:edit": lambda c: {"pk": c.acme.pk},
    "clients:site_create": lambda c: {"pk": c.acme.pk},
    "clients:person_create": lambda c: {"pk": c.acme.pk},
    "clients:person": lambda c: {"pk": c.boss.pk},
    "clients:person_edit": lambda c: {"pk": c.boss.pk},
    "clients:import": None,
    "contracts:list": None,
    "contracts:create": None,
    "contracts:detail": lambda c: {"pk": c.acme_contract.pk},
    "contracts:edit": lambda c: {"pk": c.acme_contract.pk},
    "contracts:sla_policies": None,
    "contracts:sla_policy_create": None,
    "contracts:sla_policy": lambda c: {"pk": c.policy.pk},
    "contracts:calendars": None,
    "contracts:calendar_create": None,
    "contracts:calendar": lambda c: {"pk": c.calendar.pk},
    "desk:queue": None,
    "desk:create": None,
    "desk:ticket": lambda c: {"number": c.ticket.number},
    "desk:recurring": None,
    "desk:recurring_create": None,
    "desk:recurring_edit": lambda c: {"pk": _schedule(c).pk},
    "desk:contract_hours": lambda c: {"contract_pk": c.acme_contract.pk},
    "desk:assets": None,
    "desk:asset_create": None,
    "desk:asset_edit": lambda c: {"pk": _asset(c).pk},
    "desk:asset_import": None,
}

# Pages that are not plain GET pages, and where their behaviour is tested instead.
NOT_PAGES = {
    "login": "the login form; tests/accounts test_login.py",
    "logout": "POST only; test_login.py",
    "clients:person_roles": "POST only; clients/tests/test_person.py",
    "clients:person_contacted": "POST only; clients/tests/test_person.py",
    "clients:import_preview": "needs an uploaded file; clients/tests/test_import_views.py",
    # Being built in this change; each moves to PAGES (or gets a reason) when its view lands.
    "desk:bulk": "POST only; desk/tests/test_bulk.py",
    "desk:client_tickets": "an htmx fragment of the client page; desk/tests/test_people_tickets.py",
    "desk:person_tickets": "an htmx fragment of the person page; desk/tests/test_people_tickets.py",
    "desk:reply": "POST only; desk/tests/test_ticket_actions.py",
    "desk:update": "POST only; desk/tests/test_ticket_actions.py",
    "desk:time": "POST only; desk/tests/test_ticket_actions.py",
    "desk:merge": "POST only; desk/tests/test_ticket_actions.py",
    "desk:split": "POST only; desk/tests/test_ticket_actions.py",
    "desk:clocks": "an htmx fragment, not a page; desk/tests/test_ticket_page.py",
    "desk:attachment": "a file download; desk/tests/test_attachments.py",
}


# Views shared by "show" and "create" check the stricter capability inside for creating.
STRICTER_INSIDE = {
    "contracts:sla_policy_create": "sla.edit",
    "contracts:calendar_create": "sla.edit",
    "desk:asset_create": "assets.edit",
}

# Apps added after the desk list their pages in `goodwill/<app>/tests/pages.py` (PAGES, NOT_PAGES
# and STRICTER_INSIDE there have the same meaning), so parallel work does not edit one file.
PAGE_MODULES = ("accounts", "mail", "happiness", "billing", "scheduling", "portal", "api", "audit")


def _merge_app_pages() -> None:
    from importlib import import_module
    from importlib.util import find_spec

    for app in PAGE_MODULES:
        name = f"goodwill.{app}.tests.pages"
        if find_spec(f"goodwill.{app}") is None or find_spec(name) is None:
            continue
        module = import_module(name)
        PAGES.update(getattr(module, "PAGES", {}))
        NOT_PAGES.update(getattr(module, "NOT_PAGES", {}))
        STRICTER_INSIDE.update(getattr(module, "STRICTER_INSIDE", {}))


_merge_app_pages()


@pytest.mark.parametrize("name", sorted(PAGES))
def test_the_page_renders(name: str, as_owner, cast: Cast):
    build = PAGES[name]
    url = reverse(name, kwargs=build(cast) if build else None)
    response = as_owner.get(url)
    assert response.status_code == 200, f"{name} at {url} answered {response.status_code}"
    assert b"</html>" in response.content


def _named_patterns(resolver: URLResolver, namespace: str = "") -> set[str]:
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _named_patterns(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_named_page_is_smoke_tested_or_explained():
    missing = _named_patterns(get_resolver()) - set(PAGES) - set(NOT_PAGES)
    assert not missing, f"Add these pages to PAGES or NOT_PAGES: {sorted(missing)}"


ROLES = ["as_owner", "as_manager", "as_tech", "as_bookkeeper"]


@pytest.mark.parametrize("who", ROLES)
def test_each_role_gets_each_page_or_the_not_allowed_page(request, who: str, cast: Cast):
    from django.urls import resolve

    from goodwill.accounts.permissions import can

    http = request.getfixturevalue(who)
    user = http.get(reverse("dashboard")).wsgi_request.user
    for name, build in PAGES.items():
        url = reverse(name, kwargs=build(cast) if build else None)
        capability = STRICTER_INSIDE.get(name) or resolve(url).func.capability
        expected = 200 if can(user, capability) else 403
        got = http.get(url).status_code
        assert got == expected, f"{who} on {name}: expected {expected}, got {got}"


def test_people_without_a_staff_role_see_no_staff_page(cast: Cast, login):
    from goodwill.accounts.models import User

    portal_user = User.objects.create_user(username="maria", password="x" * 20)
    http = login(portal_user)
    for name, build in PAGES.items():
        url = reverse(name, kwargs=build(cast) if build else None)
        assert http.get(url).status_code == 403, name
