"""What each staff role may do, in one table, and the helpers views use to enforce it.

Views never test role names directly: they ask for a capability, so changing who may do what
is a one-line change here and the "not allowed" page can say which roles can.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from goodwill.accounts.models import StaffRole

OWNER = StaffRole.OWNER
AM = StaffRole.ACCOUNT_MANAGER
TECH = StaffRole.TECHNICIAN
BOOK = StaffRole.BOOKKEEPER
EVERY_ROLE = frozenset({OWNER, AM, TECH, BOOK})

CAPABILITIES: dict[str, frozenset[str]] = {
    "clients.view": EVERY_ROLE,
    "clients.edit": frozenset({OWNER, AM}),
    "people.edit": frozenset({OWNER, AM, TECH}),
    "roles.edit": frozenset({OWNER, AM}),
    "contracts.view": EVERY_ROLE,
    "contracts.edit": frozenset({OWNER, AM}),
    "sla.view": EVERY_ROLE,
    "sla.edit": frozenset({OWNER}),
    "import.run": frozenset({OWNER, AM}),
    "tickets.view": EVERY_ROLE,
    "tickets.work": frozenset({OWNER, AM, TECH}),
    "assets.edit": frozenset({OWNER, AM, TECH}),
    "staff.manage": frozenset({OWNER}),
    "account.own": EVERY_ROLE,
    # Mail (issue 4)
    "mail.view": frozenset({OWNER, AM, TECH}),
    "mail.manage": frozenset({OWNER, AM, TECH}),
    "mail.settings": frozenset({OWNER}),
    # Happiness (issue 5)
    "happiness.view": EVERY_ROLE,
    "happiness.act": frozenset({OWNER, AM}),
    "surveys.edit": frozenset({OWNER}),
    # Billing (issue 6)
    "billing.view": frozenset({OWNER, AM, BOOK}),
    "billing.edit": frozenset({OWNER, BOOK}),
    "reports.view": frozenset({OWNER, AM, BOOK}),
    # Scheduling (issue 7)
    "calendar.view": EVERY_ROLE,
    "bookings.work": frozenset({OWNER, AM, TECH}),
    "scheduling.edit": frozenset({OWNER, AM}),
    "prospects.edit": frozenset({OWNER, AM}),
    # Audit trail (issue 9): bookkeepers read the billing part of it (audit.services.SCOPES).
    "audit.view": frozenset({OWNER, BOOK}),
}

CAPABILITY_LABELS = {
    "clients.view": "See clients, people and contracts",
    "clients.edit": "Add and edit clients and sites",
    "people.edit": "Add and edit people, log calls",
    "roles.edit": "Say who is the boss, the PA, the FD, the complainer",
    "contracts.view": "See contracts",
    "contracts.edit": "Create and change contracts",
    "sla.view": "See SLA policies and business hours",
    "sla.edit": "Change SLA policies and business hours",
    "import.run": "Import clients and people from spreadsheets",
    "tickets.view": "See tickets, their conversation and time",
    "tickets.work": "Work tickets: reply, change, assign, log time, schedule recurring work",
    "assets.edit": "Add, edit and import devices",
    "staff.manage": "Manage the team and their roles, reset a lost two-factor device",
    "account.own": "Their own password, two-factor sign-in and sessions",
    "mail.view": "See the mail quarantine, triage list and outbox",
    "mail.manage": "Retry or discard quarantined mail and failed outbound mail",
    "mail.settings": "Set up mailboxes and the inbound webhook",
    "happiness.view": "See happiness, client health, the radar and next actions",
    "happiness.act": "Confirm or dismiss complainers, act on next actions",
    "surveys.edit": "Change survey settings",
    "billing.view": "See invoices, payments and balances",
    "billing.edit": "Issue invoices, record payments, credit notes and reminders",
    "reports.view": "See revenue reports",
    "calendar.view": "See the team calendar and bookings",
    "bookings.work": "Book visits and reviews, record how meetings went",
    "scheduling.edit": "Change appointment types and staff hours",
    "prospects.edit": "Work the prospect pipeline and convert prospects",
    "audit.view": "Read the audit log (bookkeepers: invoices and payments) and export it",
}


def can(user: Any, capability: str) -> bool:
    if capability not in CAPABILITIES:
        raise KeyError(f"Unknown capability {capability!r}")
    if not getattr(user, "is_authenticated", False) or not user.is_goodwill_staff:
        return False
    return user.effective_role in CAPABILITIES[capability]


def roles_with(capability: str) -> list[str]:
    allowed = CAPABILITIES[capability]
    return [label for value, label in StaffRole.choices if value in allowed]


def not_allowed(request: HttpRequest, capability: str) -> HttpResponse:
    return render(
        request,
        "accounts/not_allowed.html",
        {"capability": capability, "allowed_roles": roles_with(capability)},
        status=403,
    )


def staff_required(
    capability: str = "clients.view", *, two_factor_setup: bool = False
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Require a signed-in staff member whose role grants `capability`.

    Every staff page passes here, so this is also where two-factor sign-in is enforced: an
    account with an authenticator must have typed a code in this session, and an owner who has
    to set one up (GOODWILL_REQUIRE_2FA_FOR_OWNERS) only reaches the pages that do that
    (`two_factor_setup=True`)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            from goodwill.accounts import security

            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.user.is_goodwill_staff and security.needs_second_step(request):
                return redirect_to_login(request.get_full_path(), login_url="login_code")
            if not can(request.user, capability):
                return not_allowed(request, capability)
            if not two_factor_setup and security.must_set_up(request.user):
                messages.warning(
                    request,
                    "Set up two-factor sign-in first: this installation requires it for owners.",
                )
                return redirect("security")
            return view(request, *args, **kwargs)

        wrapped.capability = capability  # type: ignore[attr-defined]  # read by the tests
        return wrapped

    return decorator
