"""Read-side queries for the happiness pages, the client and person pages and the dashboard."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Avg, Count, QuerySet, Sum
from django.utils import timezone

from goodwill.clients.models import Client, Person, StakeholderRole
from goodwill.happiness import scores
from goodwill.happiness.models import (
    ActionStatus,
    Band,
    ClientScore,
    NextAction,
    PersonScore,
    Signal,
    SignalKind,
    SurveyRequest,
)

TREND_WEEKS = 13
TIMELINE_LIMIT = 40


def trend_points(signals: list[tuple[int | None, str, float, dt.datetime]], now: dt.datetime,
                 weights: dict[int | None, float] | None = None) -> dict[str, list]:
    """Weekly happiness over the last 13 weeks from (person, kind, value, when) rows.

    With `weights` (person → weight) the points are the weighted mean of each person's score,
    the people part of client health."""
    labels, values = [], []
    for week in range(TREND_WEEKS, -1, -1):
        at = now - dt.timedelta(weeks=week)
        raw: dict[int | None, float] = defaultdict(float)
        for person_id, kind, value, when in signals:
            if when <= at:
                age = (at - when).total_seconds() / 86400
                raw[person_id] += scores.KIND_WEIGHT.get(kind, 1.0) * value * math.exp(
                    -age / scores.TAU_DAYS
                )
        if weights is None:
            point = scores.to_score(sum(raw.values()))
        else:
            total = sum(weights.values()) or 1.0
            point = round(sum(w * scores.to_score(raw.get(pid, 0.0)) for pid, w in weights.items())
                          / total)
        labels.append(timezone.localtime(at).strftime("%-d %b"))
        values.append(point)
    return {"labels": labels, "values": values, "green": scores.GREEN_FROM,
            "red": scores.RED_BELOW}


def _signal_rows(**filters: Any) -> list[tuple]:
    since = timezone.now() - dt.timedelta(weeks=TREND_WEEKS) - dt.timedelta(days=150)
    return list(
        Signal.objects.filter(occurred_at__gt=since, **filters).values_list(
            "person_id", "kind", "value", "occurred_at"
        )
    )


# --- Person ------------------------------------------------------------------------------------


@dataclass
class PersonPanel:
    person: Person
    score: PersonScore | None
    trend: dict[str, list]
    timeline: list[Signal]
    office: OfficeView | None
    surveys: list[SurveyRequest]


def person_panel(person: Person) -> PersonPanel:
    score = PersonScore.objects.filter(person=person).first()
    office = None
    if score and score.radar or StakeholderRole.COMPLAINER in person.role_set():
        office = office_view(person.client_id, exclude=person.pk)
    return PersonPanel(
        person=person,
        score=score,
        trend=trend_points(_signal_rows(person=person), timezone.now()),
        timeline=list(Signal.objects.filter(person=person)[:TIMELINE_LIMIT]),
        office=office,
        surveys=list(SurveyRequest.objects.filter(person=person).select_related("ticket")[:5]),
    )


# --- The rest of the office ----------------------------------------------------------------------


@dataclass
class OfficeView:
    people: int
    rated: int
    average: float | None  # out of 5, from their CSAT answers
    bands: dict[str, int]

    @property
    def text(self) -> str:
        if self.average is not None:
            return (f"the other {self.people} people rate you {self.average:.1f}/5 "
                    f"({self.rated} rating{'s' if self.rated != 1 else ''})")
        green = self.bands.get(Band.GREEN, 0)
        return f"{green} of the other {self.people} people are happy"


def office_view(client_id: int, exclude: int | None = None) -> OfficeView:
    """What everyone else at the client thinks: their ratings (as /5) and their bands."""
    people = Person.objects.filter(client_id=client_id, is_active=True)
    if exclude:
        people = people.exclude(pk=exclude)
    ratings = Signal.objects.filter(
        client_id=client_id, kind=SignalKind.CSAT, person__in=people,
        occurred_at__gt=timezone.now() - dt.timedelta(days=365),
    ).aggregate(avg=Avg("value"), n=Count("id"))
    average = None
    if ratings["n"]:
        average = 1 + 4 * (ratings["avg"] + 1) / 2  # signal value -1…+1 back to 1…5
    bands = Counter(
        PersonScore.objects.filter(person__in=people).values_list("band", flat=True)
    )
    return OfficeView(people=people.count(), rated=ratings["n"], average=average,
                      bands=dict(bands))


# --- Client ------------------------------------------------------------------------------------


@dataclass
class ClientPanel:
    client: Client
    health: ClientScore | None
    people: dict[int, PersonScore]
    trend: dict[str, list]
    timeline: list[Signal]
    radar: list[PersonScore]
    actions: list[NextAction]
    office: OfficeView | None
    person_filter: int | None
    band_counts: dict[str, int]


def client_panel(client: Client, person_filter: int | None = None) -> ClientPanel:
    people = {s.person_id: s for s in PersonScore.objects.filter(client=client)}
    roles = scores._roles(client.pk)
    weights = {}
    for pid in Person.objects.filter(client=client, is_active=True).values_list("pk", flat=True):
        if roles.get(pid):
            weights[pid] = max(conf_weight(r) for r in roles[pid])
    others = [pid for pid in people if pid not in weights]
    for pid in others:
        weights[pid] = conf_weight("others") / max(1, len(others))
    timeline = Signal.objects.filter(client=client).select_related("person")
    if person_filter:
        timeline = timeline.filter(person_id=person_filter)
    radar = [s for s in people.values() if s.radar]
    office = office_view(client.pk, exclude=radar[0].person_id) if radar else None
    return ClientPanel(
        client=client,
        health=ClientScore.objects.filter(client=client).first(),
        people=people,
        trend=trend_points(_signal_rows(client=client, person__isnull=False), timezone.now(),
                           weights),
        timeline=list(timeline[:TIMELINE_LIMIT]),
        radar=radar,
        actions=list(NextAction.objects.filter(client=client, status=ActionStatus.OPEN)
                     .select_related("person")[:5]),
        office=office,
        person_filter=person_filter,
        band_counts=dict(Counter(s.band for s in people.values())),
    )


def conf_weight(role: str) -> float:
    from goodwill.happiness import conf

    return float(conf.get("ROLE_WEIGHTS").get(role, 1))


# --- Portfolio ----------------------------------------------------------------------------------


@dataclass
class Portfolio:
    bands: dict[str, int]
    scored: int
    mrr_at_risk: Decimal
    currency: str
    histogram: dict[str, list]

    @property
    def total(self) -> int:
        return sum(self.bands.values())


def portfolio() -> Portfolio:
    live = ClientScore.objects.filter(client__is_active=True)
    bands = Counter(live.values_list("band", flat=True))
    buckets = [0] * 10
    for health in live.values_list("health", flat=True):
        buckets[min(9, health // 10)] += 1
    return Portfolio(
        bands={b: bands.get(b, 0) for b in Band.values},
        scored=sum(bands.values()),
        mrr_at_risk=live.aggregate(total=Sum("stake"))["total"] or Decimal(0),
        currency=settings.GOODWILL_CURRENCY,
        histogram={
            "labels": [f"{i * 10}–{i * 10 + 9}" for i in range(10)],
            "values": buckets,
            "colours": [scores.band_of(i * 10 + 5) for i in range(10)],
        },
    )


def at_risk(limit: int = 10) -> QuerySet[ClientScore]:
    return (
        ClientScore.objects.filter(client__is_active=True, risk__gt=0)
        .select_related("client")
        .order_by("-stake", "health")[:limit]
    )


def renewals_with_health(today: dt.date, days: int = 90) -> list[Any]:
    from goodwill.contracts.models import Contract
    from goodwill.contracts.status import LIVE_STATUSES, with_status

    contracts = list(
        with_status(Contract.objects.select_related("client"), today)
        .filter(status__in=LIVE_STATUSES, renewal_date__lte=today + dt.timedelta(days=days))
        .order_by("notice_deadline")[:15]
    )
    health = ClientScore.objects.in_bulk([c.client_id for c in contracts])
    for contract in contracts:
        contract.health = health.get(contract.client_id)
    return contracts


def radar_findings(limit: int = 10) -> list[PersonScore]:
    found = list(
        PersonScore.objects.filter(radar__isnull=False)
        .select_related("person", "client")
        .order_by("-computed_at")[:200]
    )
    found = [s for s in found if s.radar]
    found.sort(key=lambda s: (s.radar.get("confirmed", False), -s.radar.get("z", 0)))
    for s in found[:limit]:
        s.office = office_view(s.client_id, exclude=s.person_id)
    return found[:limit]


def client_health_map(client_ids: list[int]) -> dict[int, ClientScore]:
    return ClientScore.objects.in_bulk(client_ids)
