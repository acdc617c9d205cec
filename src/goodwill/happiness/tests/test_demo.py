"""The demo tells the happiness story: one red client with its boss's reasons in words, a
detected complainer with the office's view, survey answers and ranked next actions."""

from __future__ import annotations

import datetime as dt

import pytest

from goodwill.demo.generator import DemoOptions, generate
from goodwill.happiness import queries
from goodwill.happiness.models import Band, ClientScore, NextAction, PersonScore, SurveyRequest

pytestmark = pytest.mark.django_db


def test_the_demo_tells_the_story():
    result = generate(DemoOptions(clients=8, tickets=400, today=dt.date(2026, 3, 10),
                                  write_logins=False))
    line = next(e for e in result.extensions if e.startswith("happiness:"))
    assert "1 red" in line

    red = ClientScore.objects.get(band=Band.RED)
    assert queries.at_risk()[0].client_id == red.client_id
    why = red.reasons[0]["text"]
    assert why.startswith("boss unhappy") and "SLA breaches" in why and "1/5" in why

    flagged = [s for s in PersonScore.objects.exclude(radar=None) if s.radar]
    assert any(s.radar["confirmed"] for s in flagged)
    loud = next(s for s in flagged if s.radar["confirmed"])
    office = queries.office_view(loud.client_id, exclude=loud.person_id)
    assert office.average is not None and office.average >= 4

    assert SurveyRequest.objects.exclude(rating=None).count() >= 10
    # The most is at stake at the red client: its review tops the ranked next actions.
    top = NextAction.objects.filter(status="open").order_by("-stake").first()
    assert top.client_id == red.client_id and top.rule == "review"
