"""Constructed scenarios where the right answer is known, shared by the scoring tests."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from goodwill.clients.models import Client, Person
from goodwill.desk import services as desk
from goodwill.desk.models import Channel


def breached_p1s(cast, person, count: int = 3) -> list:
    """`count` P1 tickets from `person`, each left to breach its SLA."""
    tickets = []
    opened = timezone.now() - dt.timedelta(days=3)
    for n in range(count):
        tickets.append(desk.open_ticket(
            requester=person, subject=f"Server down again ({n + 1})", priority="P1",
            body="The server is down and nobody can work.", channel=Channel.EMAIL,
            opened_at=opened + dt.timedelta(minutes=n),
        ))
    desk.sweep_sla()
    return tickets


def office(name: str, size: int) -> tuple[Client, list[Person]]:
    client = Client.objects.create(name=name, email_domains=f"{name.lower()}.test")
    people = [
        Person.objects.create(client=client, first_name=f"Colleague{n}", last_name=name,
                              email=f"c{n}@{name.lower()}.test")
        for n in range(size)
    ]
    return client, people


def raise_tickets(person: Person, count: int, body: str, *, reply: str = "") -> None:
    for n in range(count):
        ticket = desk.open_ticket(requester=person, subject=f"Problem {n + 1}", body=body,
                                  channel=Channel.EMAIL)
        if reply:
            desk.reply(ticket, reply, by_person=person)
