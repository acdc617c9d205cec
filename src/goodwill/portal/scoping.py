"""The one place that says what a person at a client may see. Every portal page and every API
call made with a person's token reads through these functions, at the query level: an object
that is not theirs is never loaded, so it cannot leak through a later filter that was forgotten.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from goodwill.clients.models import KEY_ROLES, Client, Person, StakeholderRole
from goodwill.contracts.models import Contract
from goodwill.desk.models import Attachment, Message, Ticket, TimeEntry


def _roles(person: Person) -> set[str]:
    return set(
        person.roles.filter(dismissed_at__isnull=True).values_list("role", flat=True)
    )


def sees_colleagues(person: Person) -> bool:
    """The client's portal policy: by default the boss and the PA see every ticket."""
    from goodwill.portal.models import PortalPolicy

    policy = PortalPolicy.objects.filter(client_id=person.client_id).first() or PortalPolicy()
    if policy.everyone_sees_colleagues:
        return True
    roles = _roles(person)
    return (policy.boss_sees_colleagues and StakeholderRole.DECISION_MAKER in roles) or (
        policy.pa_sees_colleagues and StakeholderRole.GATEKEEPER in roles
    )


def sees_contract(person: Person) -> bool:
    """The boss, the PA and the financial director see the contract and its hours."""
    return bool(_roles(person) & set(KEY_ROLES))


def sees_money(person: Person) -> bool:
    """The financial director (and the boss) see invoices and the statement."""
    roles = _roles(person)
    return StakeholderRole.BILLING in roles or StakeholderRole.DECISION_MAKER in roles


def clients_for(person: Person) -> QuerySet[Client]:
    return Client.objects.filter(pk=person.client_id)


def people_for(person: Person) -> QuerySet[Person]:
    return Person.objects.filter(client_id=person.client_id, is_active=True)


def tickets_for(person: Person) -> QuerySet[Ticket]:
    tickets = Ticket.objects.filter(client_id=person.client_id)
    if sees_colleagues(person):
        return tickets
    return tickets.filter(requester_id=person.pk)


def messages_for(person: Person) -> QuerySet[Message]:
    """Public messages of the person's tickets: internal notes never reach the portal."""
    return Message.objects.filter(ticket__in=tickets_for(person), internal=False)


def attachments_for(person: Person) -> QuerySet[Attachment]:
    """Files on the person's tickets, except those attached to an internal note."""
    return Attachment.objects.filter(ticket__in=tickets_for(person)).filter(
        Q(message__isnull=True) | Q(message__internal=False)
    )


def contracts_for(person: Person) -> QuerySet[Contract]:
    if not sees_contract(person):
        return Contract.objects.none()
    return Contract.objects.filter(client_id=person.client_id).exclude(state="draft")


def time_entries_for(person: Person) -> QuerySet[TimeEntry]:
    """Time on the contract is the boss's business (hours used), not everyone's."""
    if not sees_contract(person):
        return TimeEntry.objects.none()
    return TimeEntry.objects.filter(ticket__client_id=person.client_id)


def invoices_for(person: Person):
    """Issued invoices and credit notes (never drafts) for the financial director and the boss."""
    from goodwill.billing.models import Invoice, InvoiceStatus

    if not sees_money(person):
        return Invoice.objects.none()
    return Invoice.objects.filter(client_id=person.client_id).exclude(
        status=InvoiceStatus.DRAFT
    )


def payments_for(person: Person):
    from goodwill.billing.models import Payment

    if not sees_money(person):
        return Payment.objects.none()
    return Payment.objects.filter(client_id=person.client_id)


def open_surveys_for(person: Person):
    """The person's own surveys still waiting for an answer (the happiness area sends them)."""
    from django.apps import apps

    survey_model = apps.get_model("happiness", "SurveyRequest")
    return survey_model.objects.filter(person=person, answered_at__isnull=True)
