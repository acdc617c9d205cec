"""Scoring on constructed scenarios with known answers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from goodwill.desk import services as desk
from goodwill.desk.models import TicketStatus
from goodwill.happiness import queries, scores, status, surveys
from goodwill.happiness.models import Band, ClientScore, PersonScore, Signal, SignalKind
from goodwill.happiness.signals import record_signal
from goodwill.happiness.tests.scenarios import breached_p1s

pytestmark = pytest.mark.django_db


def rate(ticket, rating: int, comment: str) -> None:
    desk.change_status(ticket, TicketStatus.RESOLVED, by_user=None)
    survey = ticket_survey(ticket) or surveys.SurveyRequest.objects.create(
        kind="csat", person=ticket.requester, client=ticket.client, ticket=ticket, scale=5,
        sent_at=timezone.now(),
    )
    surveys.answer(survey, rating, comment)


def ticket_survey(ticket):
    return surveys.SurveyRequest.objects.filter(ticket=ticket).first()


def test_nobody_known_is_green_with_no_reasons(cast):
    scores.recompute_all()
    score = PersonScore.objects.get(person=cast.birch_user)
    assert score.band == Band.GREEN
    assert score.score == scores.BASELINE_SCORE
    assert score.reasons == []


def test_boss_with_three_breached_p1s_and_a_1_of_5_is_red_and_tops_the_at_risk_list(cast):
    tickets = breached_p1s(cast, cast.boss)
    rate(tickets[0], 1, "still broken")
    scores.recompute_all()

    boss = PersonScore.objects.get(person=cast.boss)
    assert boss.band == Band.RED
    texts = [r["text"] for r in boss.reasons]
    assert any("SLA breaches on their tickets in the last 30 days" in t for t in texts), texts
    assert any(f"rated {tickets[0].reference} 1/5: ‘still broken’" in t for t in texts), texts
    assert boss.reasons[0]["effect"] < 0

    acme = ClientScore.objects.get(client=cast.acme)
    assert acme.band == Band.RED
    assert acme.reasons[0]["text"].startswith("boss unhappy (Maria Shaw")
    assert any(r["kind"] == "sla" for r in acme.reasons)
    top = queries.at_risk()[0]
    assert top.client_id == cast.acme.pk
    assert status.is_unhappy(cast.boss)
    assert not status.is_unhappy(cast.pa)


def test_recent_signals_weigh_more_than_old_ones(cast):
    now = timezone.now()
    for person, days_ago in ((cast.pa, 2), (cast.fd, 120)):
        record_signal(kind=SignalKind.SLA_BREACHED, value=-0.9, person=person,
                      occurred_at=now - dt.timedelta(days=days_ago), key=f"t:{person.pk}")
    scores.recompute_all()
    recent = PersonScore.objects.get(person=cast.pa).score
    old = PersonScore.objects.get(person=cast.fd).score
    assert recent < old < scores.BASELINE_SCORE + 1


def test_trend_compares_with_30_and_90_days_ago(cast):
    now = timezone.now()
    record_signal(kind=SignalKind.CSAT, value=1.0, person=cast.pa,
                  occurred_at=now - dt.timedelta(days=60), key="old-praise")
    record_signal(kind=SignalKind.CSAT, value=-1.0, person=cast.pa, occurred_at=now,
                  key="new-complaint", note="rated GW-1 1/5")
    scores.recompute_all()
    pa = PersonScore.objects.get(person=cast.pa)
    assert pa.score_30d > pa.score  # 30 days ago they were happier
    assert pa.score_90d == scores.BASELINE_SCORE  # 90 days ago nothing was known
    assert pa.trend_30 < 0


def test_incremental_refresh_matches_the_full_recompute(cast):
    breached_p1s(cast, cast.pa, count=2)
    live_person = PersonScore.objects.get(person=cast.pa)
    live_client = ClientScore.objects.get(client=cast.acme)
    scores.recompute_all()
    full_person = PersonScore.objects.get(person=cast.pa)
    full_client = ClientScore.objects.get(client=cast.acme)
    assert (live_person.score, live_person.band) == (full_person.score, full_person.band)
    assert live_client.health == full_client.health


def test_client_health_explains_overdue_hours_burn_and_boss_silence(cast):
    from goodwill.desk.models import TimeEntry

    TimeEntry.objects.create(ticket=cast.ticket, contract=cast.acme_contract, minutes=30 * 60,
                             work_date=timezone.localdate())
    scores.recompute_all()
    acme = ClientScore.objects.get(client=cast.acme)
    texts = " / ".join(r["text"] for r in acme.reasons)
    assert "150 % of the included hours" in texts
    assert "boss (Maria Shaw) never contacted" in texts
    from goodwill.clients.services import record_contact

    record_contact(cast.boss)
    scores.recompute_all()
    after = ClientScore.objects.get(client=cast.acme)
    assert "never contacted" not in " / ".join(r["text"] for r in after.reasons)
    assert after.health > acme.health


def test_scores_are_rebuildable_from_signals_alone(cast):
    breached_p1s(cast, cast.boss, count=1)
    scores.recompute_all()
    before = {s.person_id: s.score for s in PersonScore.objects.all()}
    PersonScore.objects.all().delete()
    ClientScore.objects.all().delete()
    scores.recompute_all()
    assert {s.person_id: s.score for s in PersonScore.objects.all()} == before
    assert Signal.objects.filter(kind=SignalKind.SLA_BREACHED, person=cast.boss).count() == 1


def test_a_batch_rescores_once_at_its_end_and_matches_the_full_recompute(cast, monkeypatch):
    from goodwill.happiness.signals import deferred_scoring

    scores.recompute_all()
    before = PersonScore.objects.get(person=cast.pa).score
    refreshed: list[tuple[set[int], set[int]]] = []
    original = scores.refresh_many
    monkeypatch.setattr(
        scores,
        "refresh_many",
        lambda people, clients, now=None: (
            refreshed.append((set(people), set(clients))) or original(people, clients, now)
        ),
    )
    now = timezone.now()
    with deferred_scoring():
        for n in range(3):
            record_signal(kind=SignalKind.SLA_BREACHED, value=-1, occurred_at=now,
                          person=cast.pa, key=f"batch-{n}", note="breach")
        record_signal(kind=SignalKind.CSAT, value=-1, occurred_at=now, person=cast.boss,
                      key="batch-boss", note="rated 1/5")
        # Nothing is rescored inside the batch…
        assert PersonScore.objects.get(person=cast.pa).score == before
        assert refreshed == []
    # …and once at its end: each person with signals, and through them their client.
    assert refreshed == [({cast.pa.pk, cast.boss.pk}, set())]
    assert ClientScore.objects.get(client=cast.acme).computed_at >= now
    batched = PersonScore.objects.get(person=cast.pa)
    assert batched.score < before
    scores.recompute_all()
    assert PersonScore.objects.get(person=cast.pa).score == batched.score


def test_unhappy_people_answers_for_many_in_two_queries(cast, django_assert_max_num_queries):
    # Scored red: the boss; unscored but with a bad month of signals: the FD; happy: the PA.
    breached_p1s(cast, cast.boss, count=3)
    PersonScore.objects.filter(person=cast.fd).delete()
    now = timezone.now()
    with scores.deferred_scoring():  # signals recorded without scoring the FD
        for n in range(2):
            record_signal(kind=SignalKind.CSAT, value=-1, occurred_at=now, person=cast.fd,
                          key=f"fd-{n}", note="rated 1/5")
        PersonScore.objects.filter(person=cast.fd).delete()
        with django_assert_max_num_queries(2):
            unhappy = status.unhappy_people([cast.boss.pk, cast.fd.pk, cast.pa.pk])
    assert unhappy == {cast.boss.pk, cast.fd.pk}
    assert status.is_unhappy(cast.fd) and not status.is_unhappy(cast.pa)


PERSON_FIELDS = ("score", "band", "score_30d", "score_90d", "reasons", "stats", "radar")
CLIENT_FIELDS = ("health", "band", "risk", "mrr", "stake", "health_30d", "health_90d", "reasons")


def snapshot() -> tuple[dict, dict]:
    people = {s.person_id: {f: getattr(s, f) for f in PERSON_FIELDS}
              for s in PersonScore.objects.all()}
    clients = {s.client_id: {f: getattr(s, f) for f in CLIENT_FIELDS}
               for s in ClientScore.objects.all()}
    return people, clients


def test_signal_by_signal_scores_equal_the_full_recompute_field_for_field(cast):
    """The live path (each signal rescoring its person and client) and the set-based full
    recompute are two implementations of one definition: every field must agree."""
    from goodwill.clients.models import PersonRole, StakeholderRole

    now = timezone.now()
    breached_p1s(cast, cast.boss, count=2)

    def signal(person, kind, value, days, n, note=""):
        record_signal(kind=kind, value=value, person=person, note=note,
                      occurred_at=now - dt.timedelta(days=days), key=f"eq:{person.pk}:{kind}:{n}")

    signal(cast.boss, SignalKind.CSAT, -1.0, 1, 0, note="rated GW-9 1/5: ‘still broken’")
    signal(cast.pa, SignalKind.CSAT, 1.0, 60, 0, note="rated GW-3 5/5")
    signal(cast.pa, SignalKind.MEETING, 0.5, 100, 0)
    signal(cast.fd, SignalKind.INVOICE_REMINDER, -0.4, 10, 0)
    signal(cast.complainer, SignalKind.SENTIMENT, -0.6, 40, 0)
    # A loud, negative voice among quiet colleagues: the radar flags them…
    loud, *quiet = (cast.acme_user, *[
        cast.acme.people.create(first_name=f"Quiet{n}", last_name="Acme",
                                email=f"quiet{n}@acme.test") for n in range(5)
    ])
    for n in range(9):
        signal(loud, SignalKind.TICKET_OPENED, -0.1, n * 3, n)
        signal(loud, SignalKind.SENTIMENT, -0.7, n * 3, n, note="fed up")
    for n, person in enumerate(quiet):
        signal(person, SignalKind.TICKET_OPENED, -0.1, 5 + n, 0)
        signal(person, SignalKind.SENTIMENT, 0.4, 5 + n, 0)
    # …and a dismissed finding stays dismissed on both paths.
    PersonRole.objects.create(person=quiet[0], client=cast.acme, role=StakeholderRole.COMPLAINER,
                              dismissed_at=now)
    signal(quiet[0], SignalKind.ESCALATION, -0.5, 2, 0)
    record_signal(kind=SignalKind.SILENCE, value=-0.3, client=cast.birch, occurred_at=now,
                  key="eq:birch:silence", note="nobody called")
    signal(cast.birch_user, SignalKind.SLA_MET, 0.3, 20, 0)

    live_people, live_clients = snapshot()
    assert live_people[loud.pk]["radar"] is not None  # the scenario reaches the radar
    assert live_clients[cast.acme.pk]["reasons"]
    scores.recompute_all()
    full_people, full_clients = snapshot()

    assert {pid: full_people[pid] for pid in live_people} == live_people
    assert full_clients == live_clients
    for pid in full_people.keys() - live_people.keys():  # nobody sent a signal about them
        assert full_people[pid]["score"] == scores.BASELINE_SCORE
        assert full_people[pid]["reasons"] == []


def test_health_has_a_90_day_trend_from_its_people(cast, as_owner):
    # Three breached P1s this week: the boss is worse than 90 days ago, and so is the client.
    breached_p1s(cast, cast.boss, count=3)
    scores.recompute_all()
    boss = PersonScore.objects.get(person=cast.boss)
    health = ClientScore.objects.get(client=cast.acme)
    assert boss.score_90d is not None and boss.trend_90 < 0
    assert health.health_90d is not None and health.health_90d > health.health
    assert health.trend_90 == health.health - health.health_90d < 0
    page = as_owner.get(cast.acme.get_absolute_url()).content.decode()
    assert "90 d" in page and f"▼ {-health.trend_90}" in page
