"""Surveys end to end through a real SMTP server: the e-mail's link opens the page (nothing
recorded on GET, since mail scanners follow links), the POST records the rating as a signal,
and the person's score follows. Plus throttling and the relationship survey."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from goodwill.core import outbox
from goodwill.core.models import OutboundMessage
from goodwill.desk import services as desk
from goodwill.desk.models import Channel, TicketStatus
from goodwill.happiness import surveys
from goodwill.happiness.models import PersonScore, Signal, SignalKind, SurveyRequest

pytestmark = pytest.mark.django_db


def body_of(message) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content()


def test_csat_link_page_post_signal_score(cast, smtp_server):
    desk.change_status(cast.ticket, TicketStatus.RESOLVED, by_user=cast.tech)
    desk.change_status(cast.ticket, TicketStatus.CLOSED, by_user=cast.tech)  # no second survey
    assert OutboundMessage.objects.filter(dedupe_key=f"csat:{cast.ticket.pk}").count() == 1
    assert outbox.deliver_due(timezone.now()) == 0 or not any(
        "How did we do" in m["Subject"] for m in smtp_server.inbox.messages
    )  # an hour after the fix, not with the "resolved" notice
    outbox.deliver_due(timezone.now() + dt.timedelta(hours=2))

    surveys_sent = [m for m in smtp_server.inbox.messages if "How did we do" in m["Subject"]]
    assert len(surveys_sent) == 1
    mail = surveys_sent[0]
    assert mail["To"] == cast.boss.email
    links = re.findall(r"https?://\S+", body_of(mail))
    assert len(links) == 5
    one_star = urlsplit(next(link for link in links if link.endswith("?r=1")))

    anonymous = HttpClient()
    page = anonymous.get(f"{one_star.path}?{one_star.query}")
    assert page.status_code == 200
    assert b'value="1" checked' in page.content
    assert not Signal.objects.filter(kind=SignalKind.CSAT).exists()  # GET records nothing
    before = PersonScore.objects.get(person=cast.boss).score

    done = anonymous.post(one_star.path, {"rating": "1", "comment": "still broken"})
    assert done.status_code == 200 and b"Thank you" in done.content
    csat = Signal.objects.get(kind=SignalKind.CSAT)
    assert csat.person == cast.boss and csat.value == -1.0
    assert csat.note == f"rated {cast.ticket.reference} 1/5: ‘still broken’"
    after = PersonScore.objects.get(person=cast.boss)
    assert after.score < before
    assert any("still broken" in r["text"] for r in after.reasons)

    # A second answer replaces the first (one signal, the new value).
    anonymous.post(one_star.path, {"rating": "5", "comment": "sorted now, thanks"})
    csat = Signal.objects.get(kind=SignalKind.CSAT)
    assert csat.value == 1.0
    assert SurveyRequest.objects.get().rating == 5
    assert PersonScore.objects.get(person=cast.boss).score > after.score


def test_a_forged_or_bad_rating_records_nothing(cast):
    survey = surveys.send_csat(cast.ticket)
    http = HttpClient()
    assert http.get("/happiness/s/not-a-token/").status_code == 404
    path = f"/happiness/s/{surveys.token_for(survey)}/"
    assert http.post(path, {"rating": "9"}).status_code == 400
    assert http.post(path, {"rating": ""}).status_code == 400
    assert not Signal.objects.filter(kind=SignalKind.CSAT).exists()


def test_csat_is_throttled_per_person(cast):
    other = desk.open_ticket(requester=cast.boss, subject="Printer", channel=Channel.EMAIL)
    assert surveys.send_csat(cast.ticket) is not None
    assert surveys.send_csat(cast.ticket) is None  # once per ticket
    assert surveys.send_csat(other) is None  # one per person per N days
    later = timezone.now() + dt.timedelta(days=8)
    assert surveys.send_csat(other, now=later) is not None


def test_relationship_survey_goes_to_each_boss_once_a_quarter(cast):
    now = timezone.now()
    assert surveys.send_relationship_surveys(now) == 2  # Acme's and Birch's bosses
    assert surveys.send_relationship_surveys(now) == 0
    sent = SurveyRequest.objects.filter(kind="nps")
    assert {s.person for s in sent} == {cast.boss, cast.birch_boss}
    survey = sent.get(person=cast.boss)
    surveys.answer(survey, 3, "slow to respond")
    nps = Signal.objects.get(kind=SignalKind.NPS)
    assert nps.value == -1.0
    assert "recommend score 3/10" in nps.note
