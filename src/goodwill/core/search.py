"""The search box in the navigation: clients, people and contracts in one go."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from goodwill.clients.models import Client, Person
from goodwill.contracts.models import Contract

LIMIT = 20


@dataclass
class SearchResults:
    clients: list[Client]
    people: list[Person]
    contracts: list[Contract]

    @property
    def total(self) -> int:
        return len(self.clients) + len(self.people) + len(self.contracts)


def global_search(query: str) -> SearchResults:
    words = query.split()
    person_filter = Q()
    for word in words:
        # Every word must match somewhere, so "maria acme" finds Maria at Acme.
        person_filter &= (
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
            | Q(client__name__icontains=word)
            | Q(job_title__icontains=word)
        )
    phone_digits = "".join(ch for ch in query if ch.isdigit())
    if len(phone_digits) >= 5:
        person_filter |= Q(phone__contains=query) | Q(mobile__contains=query)
    return SearchResults(
        clients=list(
            Client.objects.filter(Q(name__icontains=query) | Q(email_domains__icontains=query))[
                :LIMIT
            ]
        ),
        people=list(
            Person.objects.filter(person_filter)
            .select_related("client")
            .prefetch_related("roles")
            .order_by("-is_active", "first_name")[:LIMIT]
        ),
        contracts=list(
            Contract.objects.filter(Q(name__icontains=query) | Q(client__name__icontains=query))
            .select_related("client")
            .order_by("-start_date")[:LIMIT]
        ),
    )
