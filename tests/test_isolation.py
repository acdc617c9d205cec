"""Nobody sees what is not theirs: every portal page and every API route, walked as a person of
Acme against Birch's objects (and colleagues' where the policy says no), and as each staff role
against what the role may not do. Expected: 404 for another tenant's objects (never a 403 that
confirms they exist), 403 problem details for a role's missing capability, nothing changed.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from goodwill.accounts.permissions import can
from goodwill.api.tests.support import bearer
from goodwill.api.v1 import api
from goodwill.billing.models import Invoice
from goodwill.clients.models import Client, Person
from goodwill.core.models import OutboundMessage
from goodwill.desk import services as desk
from goodwill.desk.models import Attachment, Message, Ticket, TimeEntry
from goodwill.portal.models import PortalAccount
from goodwill.portal.tests.support import portal_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast, settings, tmp_path):
    """Birch's objects, Acme colleagues' objects, and the ids just beside them."""
    settings.MEDIA_ROOT = tmp_path
    birch_ticket = desk.open_ticket(
        requester=cast.birch_user, subject="BIRCH-SECRET server", body="BIRCH-SECRET body"
    )
    desk.reply(birch_ticket, "BIRCH-SECRET reply", by_user=cast.tech)
    birch_file = desk.attach(
        birch_ticket, SimpleUploadedFile("birch.txt", b"BIRCH-SECRET file"), by_user=cast.tech
    )
    desk.log_time(birch_ticket, 30, by_user=cast.tech)
    # A colleague's ticket: Acme's ordinary user must not see it either (policy: boss and PA).
    colleague_ticket = desk.open_ticket(
        requester=cast.fd, subject="FD-PRIVATE payroll", body="FD-PRIVATE body"
    )
    # A file on an internal note of the boss's own ticket: never shown to the boss.
    note = desk.add_note(cast.ticket, "INTERNAL-NOTE", by_user=cast.tech)
    note_file = desk.attach(
        cast.ticket, SimpleUploadedFile("note.txt", b"INTERNAL"), by_user=cast.tech, message=note
    )
    birch_invoice = _issued_invoice(cast.birch, "BIRCH-SECRET invoice line")
    acme_draft = _draft_invoice(cast.acme, "INTERNAL draft line")
    return {
        "invoice_ids": [birch_invoice.pk, acme_draft.pk],
        "ticket_numbers": [birch_ticket.number, colleague_ticket.number],
        "client_ids": [cast.birch.pk],
        "person_ids": [cast.birch_user.pk, cast.birch_boss.pk],
        "contract_ids": [cast.birch_contract.pk],
        "attachment_ids": [birch_file.pk, note_file.pk],
        "birch_ticket": birch_ticket,
    }


def _draft_invoice(client, text: str):
    from decimal import Decimal

    from goodwill.billing.services import LineInput, create_draft

    return create_draft(
        client=client, kind="one_off",
        lines=[LineInput(text, Decimal("1"), Decimal("99.00"), Decimal("20"))],
    )


def _issued_invoice(client, text: str):
    from goodwill.billing.services import issue

    return issue(_draft_invoice(client, text), send=False)


def _state() -> dict[str, Any]:
    """Everything a request could have changed."""
    return {
        "tickets": list(Ticket.objects.order_by("pk").values_list("pk", "status", "updated_at")),
        "messages": Message.objects.count(),
        "attachments": Attachment.objects.count(),
        "time": TimeEntry.objects.count(),
        "people": list(Person.objects.order_by("pk").values_list("pk", "portal_access")),
        "clients": Client.objects.count(),
        "accounts": PortalAccount.objects.count(),
        "outbox": OutboundMessage.objects.count(),
        "invoices": list(Invoice.objects.order_by("pk").values_list("pk", "status", "balance")),
        "signals": _signals(),
    }


def _signals() -> int:
    from django.apps import apps

    return apps.get_model("happiness", "Signal").objects.count()


SECRETS = (b"BIRCH-SECRET", b"Birch", b"FD-PRIVATE", b"INTERNAL-NOTE", b"INTERNAL")


def _assert_no_secret(content: bytes, where: str, secrets: tuple[bytes, ...] = SECRETS) -> None:
    for secret in secrets:
        assert secret not in content, f"{where} leaks {secret!r}"


# --- The portal --------------------------------------------------------------------------------


def _portal_patterns() -> list[URLPattern]:
    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, URLResolver) and pattern.namespace == "portal":
            return [p for p in pattern.url_patterns if isinstance(p, URLPattern)]
    raise AssertionError("the portal is not in the URL configuration")


def _kwargs_for(pattern: URLPattern, world: dict, visible: set[int]) -> list[dict[str, Any]]:
    keys = set(pattern.pattern.converters)
    if not keys:
        return [{}]
    if keys == {"number"}:
        numbers = world["ticket_numbers"]
        near = {*numbers, numbers[0] - 1, numbers[0] + 1, 999_999} - visible
        return [{"number": n} for n in sorted(near)]
    if keys == {"pk"} and pattern.name == "invoice_pdf":
        ids = world["invoice_ids"]
        return [{"pk": n} for n in {*ids, ids[0] + 1, 999_999}]
    if keys == {"pk"} and pattern.name == "attachment":
        ids = world["attachment_ids"]
        return [{"pk": n} for n in {*ids, ids[0] + 1, 999_999}]
    if keys == {"pk"}:
        return [{"pk": n} for n in world["person_ids"]]
    if keys == {"token"}:
        return [{"token": "forged"}]
    raise AssertionError(f"Teach the isolation test about {pattern.name}: {keys}")


# The ordinary user sees their own tickets; the boss sees the whole company's (the policy).
PEOPLE = {"acme_user": SECRETS, "boss": (b"BIRCH-SECRET", b"Birch", b"INTERNAL-NOTE")}


def _visible_numbers(person) -> set[int]:
    from goodwill.portal.scoping import tickets_for

    return set(tickets_for(person).values_list("number", flat=True))


@pytest.mark.parametrize("who", sorted(PEOPLE))
def test_every_portal_page_as_an_acme_person_against_birch(cast, world, who):
    person = getattr(cast, who)
    secrets = PEOPLE[who]
    http = portal_client(person)
    visible = _visible_numbers(person)
    before = _state()
    walked = 0
    for pattern in _portal_patterns():
        is_person_page = getattr(pattern.callback, "portal", False)
        is_staff_page = hasattr(pattern.callback, "capability")
        for kwargs in _kwargs_for(pattern, world, visible):
            url = reverse(f"portal:{pattern.name}", kwargs=kwargs)
            for method in ("get", "post"):
                if pattern.name == "logout" or (method == "post" and not kwargs):
                    # Signing out ends the walk; a POST to a page without an id acts for the
                    # person themselves (a new ticket of their own): portal/tests cover those.
                    continue
                response = getattr(http, method)(url, {"body": "x", "subject": "y"})
                walked += 1
                where = f"{method.upper()} {url}"
                if is_staff_page:  # 405 where the page takes only POST
                    assert response.status_code in (403, 405), where
                elif kwargs and is_person_page:
                    assert response.status_code in (404, 405), f"{where}: {response.status_code}"
                _assert_no_secret(response.content, where, secrets)
    # The pages without ids, with every view option, show nothing of Birch or the colleague.
    for query in ("", "?show=closed", "?whose=all", "?whose=mine&show=open"):
        page = http.get(reverse("portal:home") + query).content
        _assert_no_secret(page, f"home{query}", secrets)
    assert walked > 20
    assert _state() == before
    birch = world["birch_ticket"]
    assert Message.objects.filter(ticket=birch).count() == 2
    assert not Message.objects.filter(ticket=birch, author_person=person).exists()


def test_internal_note_files_stay_internal_for_the_boss(cast, world):
    http = portal_client(cast.boss)
    note_file = world["attachment_ids"][1]
    assert http.get(reverse("portal:attachment", args=[note_file])).status_code == 404
    page = http.get(reverse("portal:ticket", args=[cast.ticket.number]))
    assert page.status_code == 200
    _assert_no_secret(page.content, "the boss's own ticket")


# --- The API, as a person ---------------------------------------------------------------------


def _operations() -> list[tuple[str, str]]:
    schema = api.get_openapi_schema()
    prefix = "/api/v1"
    return [
        (method.upper(), path.removeprefix(prefix))
        for path, methods in schema["paths"].items()
        for method in methods
    ]


def _fill(path: str, world: dict, own: dict | None = None) -> list[str]:
    """The path with each of the other tenant's ids, and the ids just beside them (except the
    caller's own objects, which they may see)."""
    own = own or {}
    choices = {
        "{client_id}": world["client_ids"], "{person_id}": world["person_ids"],
        "{contract_id}": world["contract_ids"], "{number}": world["ticket_numbers"],
        "{attachment_id}": world["attachment_ids"], "{invoice_id}": world["invoice_ids"],
    }
    for placeholder, ids in choices.items():
        if placeholder in path:
            near = {*ids, ids[0] - 1, ids[0] + 1} - set(own.get(placeholder, ()))
            return [path.replace(placeholder, str(n)) for n in sorted(near) if n > 0]
    return [path]


BODIES = {
    "/clients": {"name": "Tampered"},
    "/people": {"client_id": "{birch}", "first_name": "Tampered", "email": "t@birch.test"},
    "/tickets": {"subject": "Tampered", "requester_id": "{birch_person}"},
    "/tickets/{number}/messages": {"body": "Tampered"},
    "/tickets/{number}/status": {"status": "closed"},
    "/survey-answers": {"person_id": "{birch_person}", "kind": "csat", "rating": 1},
}


def _body(template: str, cast) -> str:
    body = json.dumps(BODIES[template])
    return body.replace('"{birch}"', str(cast.birch.pk)).replace(
        '"{birch_person}"', str(cast.birch_user.pk)
    )


@pytest.mark.parametrize("who", sorted(PEOPLE))
def test_every_api_route_as_an_acme_person_against_birch(cast, world, client, who):
    person = getattr(cast, who)
    secrets = PEOPLE[who]
    headers = bearer(person)
    own = {"{client_id}": [cast.acme.pk],
           "{person_id}": list(cast.acme.people.values_list("pk", flat=True)),
           "{number}": _visible_numbers(person),
           "{contract_id}": [cast.acme_contract.pk]}
    before = _state()
    walked = 0
    for method, template in _operations():
        for path in _fill(template, world, own):
            url = f"/api/v1{path}"
            if method == "GET":
                response = client.get(url, **headers)
            else:
                response = client.post(
                    url, _body(template, cast), content_type="application/json", **headers
                )
            walked += 1
            where = f"{who}: {method} {url}"
            _assert_no_secret(response.content, where, secrets)
            if template in STAFF_ONLY:
                assert response.status_code == 403, f"{where}: {response.status_code}"
            elif path != template:  # an object of someone else's
                assert response.status_code == 404, f"{where}: {response.status_code}"
                assert response["Content-Type"] == "application/problem+json"
            elif method == "POST":
                # Creating for another tenant: clients and people are staff work (403); a
                # ticket for Birch's person is "no such person" (404).
                assert response.status_code in (403, 404), f"{where}: {response.status_code}"
            else:
                assert response.status_code == 200, where
    # Filters pointing at Birch return nothing.
    for query in (f"client_id={cast.birch.pk}", f"requester_id={cast.birch_user.pk}",
                  "q=BIRCH", "status=new"):
        body = client.get(f"/api/v1/tickets?{query}", **headers).json()
        assert all(t["client_id"] == cast.acme.pk for t in body["items"]), query
        _assert_no_secret(json.dumps(body).encode(), query, secrets)
    assert walked > 15
    assert _state() == before


# --- The API, as each staff role --------------------------------------------------------------

# What each route needs (the capability in accounts/permissions.py).
NEEDS = {
    ("GET", "/clients"): "clients.view", ("GET", "/clients/{client_id}"): "clients.view",
    ("POST", "/clients"): "clients.edit",
    ("GET", "/people"): "clients.view", ("GET", "/people/{person_id}"): "clients.view",
    ("POST", "/people"): "people.edit",
    ("GET", "/contracts"): "contracts.view", ("GET", "/contracts/{contract_id}"): "contracts.view",
    ("GET", "/tickets"): "tickets.view", ("GET", "/tickets/{number}"): "tickets.view",
    ("POST", "/tickets"): "tickets.work",
    ("GET", "/tickets/{number}/messages"): "tickets.view",
    ("POST", "/tickets/{number}/messages"): "tickets.work",
    ("GET", "/attachments/{attachment_id}"): "tickets.view",
    ("GET", "/time-entries"): "tickets.view",
    ("POST", "/tickets/{number}/status"): "tickets.work",
    ("GET", "/invoices"): "billing.view", ("GET", "/invoices/{invoice_id}"): "billing.view",
    ("GET", "/payments"): "billing.view",
    ("POST", "/survey-answers"): "surveys.edit",  # owner only, like every history write
    ("GET", "/signals"): "happiness.view", ("GET", "/clients/{client_id}/scores"): "happiness.view",
    ("GET", "/next-actions"): "happiness.view", ("GET", "/bookings"): "calendar.view",
}
# Staff's own business: a client's people get 403 for the whole resource (their own happiness
# score included), whatever the id.
STAFF_ONLY = {"/signals", "/clients/{client_id}/scores", "/next-actions", "/bookings"}


def test_every_api_route_is_in_the_capability_table():
    assert set(_operations()) == set(NEEDS)


@pytest.mark.parametrize("role", ["owner", "manager", "tech", "bookkeeper"])
def test_each_staff_role_gets_403_for_what_it_may_not_do(cast, world, client, role):
    user = getattr(cast, role)
    headers = bearer(user)
    for (method, template), capability in NEEDS.items():
        if can(user, capability):
            continue
        path = _fill(template, world)[0]
        before = _state()
        if method == "GET":
            response = client.get(f"/api/v1{path}", **headers)
        else:
            response = client.post(f"/api/v1{path}", _body(template, cast),
                                   content_type="application/json", **headers)
        where = f"{role}: {method} {path}"
        assert response.status_code == 403, f"{where}: {response.status_code}"
        assert response["Content-Type"] == "application/problem+json", where
        assert _state() == before, where


def test_the_bookkeeper_really_is_refused_something():
    # Guards the test above against a capability table where every role may do everything.
    from goodwill.accounts.models import StaffRole, User

    bookkeeper = User(username="b", role=StaffRole.BOOKKEEPER, is_active=True)
    assert not can(bookkeeper, "tickets.work")
