"""Playbook rules: the right next actions, ranked by stake, acted on, closing themselves."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from goodwill.clients.models import PersonRole
from goodwill.core.models import OutboundMessage
from goodwill.desk import services as desk
from goodwill.desk.models import TicketStatus
from goodwill.happiness import playbook, scores
from goodwill.happiness.models import (
    ActionStatus,
    ClientScore,
    NextAction,
    PersonScore,
    Signal,
    SignalKind,
)
from goodwill.happiness.tests.scenarios import breached_p1s

pytestmark = pytest.mark.django_db


def titles() -> list[str]:
    return list(NextAction.objects.filter(status=ActionStatus.OPEN).values_list("title", flat=True))


def test_key_people_past_their_cadence_get_a_check_in(cast):
    long_ago = timezone.now() - dt.timedelta(days=41)
    from goodwill.clients.models import Person

    Person.objects.filter(pk=cast.pa.pk).update(last_contact_at=long_ago)
    Person.objects.filter(pk=cast.boss.pk).update(last_contact_at=timezone.now())
    scores.recompute_all()
    playbook.generate()
    assert "Check in with Tom Ito (PA) — 41 days since last contact" in titles()
    assert not any("Maria Shaw" in t for t in titles())


def test_red_boss_near_renewal_gets_a_review_linking_to_the_booking_page(cast):
    breached_p1s(cast, cast.birch_boss)
    scores.recompute_all()
    playbook.generate()
    review = NextAction.objects.get(rule="review")
    assert review.person == cast.birch_boss
    assert review.title.startswith("Schedule a review with Bill Birch (boss) — renewal in 25 days")
    assert review.link.endswith(f"?person={cast.birch_boss.pk}&type=review")
    assert "/book/" in review.link


def test_actions_are_ranked_by_mrr_times_risk(cast):
    breached_p1s(cast, cast.boss)
    scores.recompute_all()
    playbook.generate()
    stakes = list(NextAction.objects.order_by("-stake").values_list("client_id", flat=True))
    acme = ClientScore.objects.get(client=cast.acme)
    assert stakes[0] == cast.acme.pk and acme.stake > 0


def quiet_for(days: int, *people) -> None:
    from goodwill.clients.models import Person

    Person.objects.filter(pk__in=[p.pk for p in people]).update(
        last_contact_at=timezone.now() - dt.timedelta(days=days)
    )


def test_done_records_a_touch_and_the_action_does_not_come_back(cast, as_manager):
    quiet_for(100, cast.boss)
    playbook.generate()
    action = NextAction.objects.filter(person=cast.boss).first()
    assert action is not None  # the boss has not heard from us for 100 days
    response = as_manager.post(f"/happiness/actions/{action.pk}/done/")
    assert response.status_code == 302
    cast.boss.refresh_from_db()
    assert cast.boss.last_contact_at > timezone.now() - dt.timedelta(minutes=1)
    assert Signal.objects.filter(person=cast.boss, kind=SignalKind.CALL).count() == 1
    playbook.generate()
    assert not NextAction.objects.filter(person=cast.boss, status=ActionStatus.OPEN).exists()


def test_snooze_hides_until_it_wakes_and_dismiss_is_final(cast, as_manager):
    quiet_for(100, cast.boss, cast.pa)
    playbook.generate()
    first, second = NextAction.objects.filter(status=ActionStatus.OPEN)[:2]
    as_manager.post(f"/happiness/actions/{first.pk}/snooze/")
    as_manager.post(f"/happiness/actions/{second.pk}/dismiss/")
    playbook.generate()
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == ActionStatus.SNOOZED and second.status == ActionStatus.DISMISSED
    playbook.generate(timezone.now() + dt.timedelta(days=4))
    first.refresh_from_db()
    assert first.status == ActionStatus.OPEN


def test_complainer_gets_a_call_after_each_resolved_ticket(cast):
    ticket = desk.open_ticket(requester=cast.complainer, subject="Printer again")
    desk.change_status(ticket, TicketStatus.RESOLVED, by_user=cast.tech)
    playbook.generate()
    assert any(t.startswith(f"Call Dave Lund (complainer) about {ticket.reference}")
               for t in titles())


def test_a_bounce_from_a_key_person_raises_a_stakeholder_change(cast):
    from goodwill.happiness.signals import record_signal

    record_signal(kind=SignalKind.BOUNCE, value=-0.3, occurred_at=timezone.now(),
                  person=cast.boss, key="bounce:1", note="550 mailbox unavailable")
    playbook.generate()
    assert any("Your contact may have changed at Acme Dental" in t for t in titles())


def test_a_new_sender_signing_as_finance_director_raises_a_stakeholder_change(cast):
    from goodwill.clients.models import Person

    Person.objects.create(client=cast.acme, first_name="Nina", last_name="Gold",
                          email="nina@acme.test", job_title="Finance Director",
                          needs_role_review=True)
    playbook.generate()
    assert any("Your boss contact may have changed: Nina Gold" in t for t in titles())


def test_silence_past_the_cadence_is_a_signal_once_per_cadence(cast):
    from goodwill.clients.models import Person

    Person.objects.filter(pk=cast.boss.pk).update(
        last_contact_at=timezone.now() - dt.timedelta(days=100)
    )
    assert playbook.record_silences(timezone.now()) >= 1
    assert playbook.record_silences(timezone.now()) == 0
    silence = Signal.objects.get(person=cast.boss, kind=SignalKind.SILENCE)
    assert silence.note == "not contacted for 100 days"
    reasons = PersonScore.objects.get(person=cast.boss).reasons
    assert any(r["text"] == "not contacted for 100 days" for r in reasons)


def test_daily_digest_tells_the_account_manager_about_band_changes(cast):
    scores.recompute_all()
    playbook.send_digests(timezone.now())  # the first scores are a baseline: no news
    assert not OutboundMessage.objects.filter(kind="digest").exists()
    breached_p1s(cast, cast.boss)
    scores.recompute_all()
    assert playbook.send_digests(timezone.now()) == 1
    digest = OutboundMessage.objects.get(kind="digest")
    assert cast.manager.email in digest.to
    assert "Acme Dental" in digest.text_body and "→ red" in digest.text_body
    assert playbook.send_digests(timezone.now()) == 0  # told once


def test_cadences_are_editable(cast, as_owner, as_tech):
    response = as_owner.post("/happiness/playbook/", {
        "decision_maker-rule": "every", "decision_maker-days": "60",
        "gatekeeper-rule": "every", "gatekeeper-days": "0",
    })
    assert response.status_code == 200
    assert "Choose between 1 and 730 days." in response.content.decode()
    as_owner.post("/happiness/playbook/", {"decision_maker-rule": "every",
                                            "decision_maker-days": "60"})
    assert playbook.cadences()["decision_maker"] == ("every", 60)
    assert as_tech.post("/happiness/playbook/", {}).status_code == 403
    assert PersonRole.objects.exists()
