"""Actions that change clients, people and their stakeholder roles.

Views call these; nothing else writes PersonRole or last_contact_at, so the happiness engine
(a later issue) has one place to hook in when a role changes or a person is contacted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from goodwill.accounts.models import User
from goodwill.clients.models import (
    Client,
    Person,
    PersonRole,
    RoleSource,
    StakeholderRole,
)


@transaction.atomic
def assign_role(
    person: Person, role: str, *, by: User | None, source: str = RoleSource.STAFF
) -> PersonRole:
    """Give `person` a stakeholder role. Re-assigning a dismissed role revives it."""
    StakeholderRole(role)  # raises ValueError on an unknown role
    now = timezone.now()
    person_role, created = PersonRole.objects.get_or_create(
        person=person,
        role=role,
        defaults={
            "client": person.client,
            "source": source,
            "assigned_by": by,
            "confirmed_at": now if source == RoleSource.STAFF else None,
        },
    )
    if not created and (person_role.dismissed_at or source == RoleSource.STAFF):
        person_role.dismissed_at = None
        person_role.source = source
        person_role.assigned_by = by
        person_role.confirmed_at = now if source == RoleSource.STAFF else person_role.confirmed_at
        person_role.save()
    return person_role


@transaction.atomic
def remove_role(person: Person, role: str, *, by: User | None) -> None:
    """Take a role away. A detected complainer is dismissed (kept) so detection stays quiet."""
    person_role = PersonRole.objects.filter(person=person, role=role).first()
    if person_role is None:
        return
    if role == StakeholderRole.COMPLAINER and person_role.source == RoleSource.DETECTED:
        person_role.dismissed_at = timezone.now()
        person_role.assigned_by = by
        person_role.save(update_fields=["dismissed_at", "assigned_by"])
    else:
        person_role.delete()


def set_roles(person: Person, roles: set[str], *, by: User | None) -> None:
    """Make the person's active roles exactly `roles`."""
    current = person.role_set()
    for role in roles - current:
        assign_role(person, role, by=by)
    for role in current - roles:
        remove_role(person, role, by=by)


def confirm_complainer(person: Person, *, by: User) -> PersonRole:
    return assign_role(person, StakeholderRole.COMPLAINER, by=by, source=RoleSource.STAFF)


def record_contact(person: Person, *, when: dt.datetime | None = None) -> Person:
    """Note that staff were in touch with this person (a call, a meeting, a reply)."""
    when = when or timezone.now()
    # Only move forward: logging an old call must not make a recent contact look older.
    Person.objects.filter(pk=person.pk).filter(
        Q(last_contact_at__isnull=True) | Q(last_contact_at__lt=when)
    ).update(last_contact_at=when)
    person.refresh_from_db(fields=["last_contact_at"])
    return person


def log_call(person: Person, *, by: User | None = None, when: dt.datetime | None = None) -> Person:
    """Staff spoke with this person ("Log a call"): a contact, and a touch signal for happiness."""
    from goodwill.happiness.signals import record_signal

    when = when or timezone.now()
    record_contact(person, when=when)
    who = f" by {by.get_full_name() or by.username}" if by is not None else ""
    record_signal(
        kind="call", value=0.3, occurred_at=when, person=person, source=f"person:{person.pk}",
        key=f"call:{person.pk}:{when.isoformat()}", note=f"Call with {person}{who}",
    )  # fmt: skip
    return person


# --- The stakeholder map ------------------------------------------------------------------------


@dataclass
class StakeholderSlot:
    role: str
    title: str
    subtitle: str
    people: list[Person] = field(default_factory=list)
    empty_message: str = ""
    empty_hint: str = ""


def stakeholder_map(client: Client) -> tuple[list[StakeholderSlot], list[Person]]:
    """The four people who matter (one card each) and everyone else at the client."""
    people = list(
        client.people.filter(is_active=True)
        .prefetch_related("roles")
        .order_by("first_name", "last_name")
    )
    by_role: dict[str, list[Person]] = {role: [] for role in StakeholderRole.values}
    for person in people:
        for role in person.role_set():
            by_role[role].append(person)

    boss = by_role[StakeholderRole.DECISION_MAKER]
    boss_name = boss[0].full_name if boss else None
    slots = [
        StakeholderSlot(
            role=StakeholderRole.DECISION_MAKER,
            title="The boss",
            subtitle="Decision maker",
            people=boss,
            empty_message="No decision maker recorded: you don't know who decides the renewal.",
            empty_hint="Mark the person who signed the contract as the boss.",
        ),
        StakeholderSlot(
            role=StakeholderRole.GATEKEEPER,
            title="The PA",
            subtitle="Gatekeeper",
            people=by_role[StakeholderRole.GATEKEEPER],
            empty_message="No PA recorded: the boss's diary and opinions often go through one.",
            empty_hint="If someone arranges the boss's meetings, mark them as the PA.",
        ),
        StakeholderSlot(
            role=StakeholderRole.BILLING,
            title="Financial director",
            subtitle="Billing contact",
            people=by_role[StakeholderRole.BILLING],
            empty_message=(
                f"No billing contact: invoices will go to the boss ({boss_name})."
                if boss_name
                else "No billing contact and no boss: invoices have nobody to go to."
            ),
            empty_hint="Mark whoever pays the invoices as the billing contact.",
        ),
        StakeholderSlot(
            role=StakeholderRole.COMPLAINER,
            title="The complainer",
            subtitle="Loudest voice",
            people=by_role[StakeholderRole.COMPLAINER],
            empty_message="Nobody flagged. The loudest voice colours what the office thinks "
            "of you.",
            empty_hint="Goodwill will suggest someone from their tickets and tone; "
            "you can also mark a person yourself.",
        ),
    ]
    key_ids = {p.pk for slot in slots for p in slot.people}
    everyone_else = [p for p in people if p.pk not in key_ids]
    return slots, everyone_else
