"""What an API caller may read: staff by their role's capabilities, a person through the
portal's scoping (their client only). Every API query starts from one of these functions."""

from __future__ import annotations

from django.db.models import QuerySet

from goodwill.clients.models import Client, Person
from goodwill.contracts.models import Contract
from goodwill.desk.models import Attachment, Message, Ticket, TimeEntry
from goodwill.portal import scoping as portal

from .auth import Principal
from .problems import forbidden


def need(principal: Principal, capability: str) -> None:
    """Staff without the capability get 403 (what the role may not do is no secret)."""
    if principal.is_staff and not principal.can(capability):
        raise forbidden(f"Your role may not do this (it needs {capability}).")


def clients(principal: Principal) -> QuerySet[Client]:
    if principal.person is not None:
        return portal.clients_for(principal.person)
    need(principal, "clients.view")
    return Client.objects.all()


def people(principal: Principal) -> QuerySet[Person]:
    if principal.person is not None:
        return portal.people_for(principal.person)
    need(principal, "clients.view")
    return Person.objects.all()


def contracts(principal: Principal) -> QuerySet[Contract]:
    if principal.person is not None:
        return portal.contracts_for(principal.person)
    need(principal, "contracts.view")
    return Contract.objects.all()


def tickets(principal: Principal) -> QuerySet[Ticket]:
    if principal.person is not None:
        return portal.tickets_for(principal.person)
    need(principal, "tickets.view")
    return Ticket.objects.all()


def messages(principal: Principal) -> QuerySet[Message]:
    if principal.person is not None:
        return portal.messages_for(principal.person)
    need(principal, "tickets.view")
    return Message.objects.all()


def attachments(principal: Principal) -> QuerySet[Attachment]:
    if principal.person is not None:
        return portal.attachments_for(principal.person)
    need(principal, "tickets.view")
    return Attachment.objects.all()


def time_entries(principal: Principal) -> QuerySet[TimeEntry]:
    if principal.person is not None:
        return portal.time_entries_for(principal.person)
    need(principal, "tickets.view")
    return TimeEntry.objects.all()


def invoices(principal: Principal):
    from goodwill.billing.models import Invoice

    if principal.person is not None:
        return portal.invoices_for(principal.person)
    need(principal, "billing.view")
    return Invoice.objects.all()


def payments(principal: Principal):
    from goodwill.billing.models import Payment

    if principal.person is not None:
        return portal.payments_for(principal.person)
    need(principal, "billing.view")
    return Payment.objects.all()
