"""Preventive maintenance: occurrences, the worker job (claims, catch-up, failures), the pages."""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from django.urls import reverse

from goodwill.desk.models import Category, Channel, Frequency, RecurringTicket, Ticket
from goodwill.desk.recurring import (
    create_due_recurring_tickets,
    next_occurrence,
    occurrences_until,
    raise_due_ticket,
)
from goodwill.desk.services import open_ticket

LONDON = ZoneInfo("Europe/London")


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=LONDON)


def chain(first: dt.datetime, frequency: str, count: int) -> list[dt.datetime]:
    out = [first]
    for _ in range(count - 1):
        out.append(next_occurrence(out[-1], frequency))
    return [timezone_london(moment) for moment in out]


def timezone_london(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(LONDON)


def schedule(cast, **extra) -> RecurringTicket:
    values = {
        "client": cast.acme,
        "requester": cast.boss,
        "subject": "Monthly backup check",
        "body": "Restore one file from last night's backup.",
        "priority": "P3",
        "assignee": cast.tech,
        "frequency": Frequency.MONTHLY,
        "next_due_at": at(2026, 3, 2),
    }
    values.update(extra)
    return RecurringTicket.objects.create(**values)


# --- Occurrences --------------------------------------------------------------------------


def test_weekly_keeps_the_local_time_across_the_clock_change():
    # British Summer Time starts on 29 March 2026: 09:00 is 09:00 UTC before, 08:00 UTC after.
    first, second = chain(at(2026, 3, 23), Frequency.WEEKLY, 2)
    assert second == at(2026, 3, 30)
    assert second.utcoffset() == dt.timedelta(hours=1)
    assert second.astimezone(dt.UTC) - first.astimezone(dt.UTC) == dt.timedelta(days=7, hours=-1)


def test_monthly_clamps_to_month_end_and_a_month_end_schedule_stays_at_month_end():
    days = [m.date() for m in chain(at(2026, 1, 31), Frequency.MONTHLY, 5)]
    assert days == [
        dt.date(2026, 1, 31),
        dt.date(2026, 2, 28),
        dt.date(2026, 3, 31),
        dt.date(2026, 4, 30),
        dt.date(2026, 5, 31),
    ]


def test_monthly_on_an_ordinary_day_keeps_its_day():
    days = [m.date().day for m in chain(at(2026, 1, 15), Frequency.MONTHLY, 13)]
    assert days == [15] * 13


def test_quarterly_and_yearly_step_by_calendar_months():
    quarters = [m.date() for m in chain(at(2026, 3, 31), Frequency.QUARTERLY, 5)]
    assert quarters == [
        dt.date(2026, 3, 31),
        dt.date(2026, 6, 30),
        dt.date(2026, 9, 30),
        dt.date(2026, 12, 31),
        dt.date(2027, 3, 31),
    ]
    leap = [m.date() for m in chain(at(2028, 2, 29), Frequency.YEARLY, 5)]
    assert leap == [
        dt.date(2028, 2, 29),
        dt.date(2029, 2, 28),
        dt.date(2030, 2, 28),
        dt.date(2031, 2, 28),
        dt.date(2032, 2, 29),  # back on the leap day
    ]


def test_occurrences_until_lists_every_due_one_and_the_next():
    due, following = occurrences_until(at(2026, 3, 2), Frequency.WEEKLY, at(2026, 3, 23, 9))
    assert [m.date().day for m in map(timezone_london, due)] == [2, 9, 16, 23]
    assert timezone_london(following) == at(2026, 3, 30)
    assert occurrences_until(at(2026, 3, 2), Frequency.WEEKLY, at(2026, 3, 2, 8, 59))[0] == []


# --- The worker job -----------------------------------------------------------------------


def test_it_opens_the_ticket_when_due_and_moves_the_schedule_on(cast):
    rt = schedule(cast)
    assert create_due_recurring_tickets(at(2026, 3, 2, 9, 0)) == 1
    ticket = Ticket.objects.get(recurring=rt)
    assert ticket.recurring_due_at == at(2026, 3, 2)
    assert ticket.opened_at == at(2026, 3, 2)
    assert ticket.subject == "Monthly backup check"
    assert ticket.requester == cast.boss and ticket.client == cast.acme
    assert ticket.assignee == cast.tech
    assert ticket.priority == "P3"
    assert ticket.category == Category.MAINTENANCE
    assert ticket.channel == Channel.STAFF
    body = ticket.messages.get().body
    assert body.startswith("Restore one file from last night's backup.")
    assert "monthly maintenance schedule “Monthly backup check”, due 2 Mar 2026 at 09:00" in body
    rt.refresh_from_db()
    assert rt.next_due_at == at(2026, 4, 2)


def test_nothing_happens_before_the_due_time_or_for_a_paused_schedule(cast):
    schedule(cast)
    schedule(cast, subject="Paused check", active=False, next_due_at=at(2026, 1, 1))
    assert create_due_recurring_tickets(at(2026, 3, 2, 8, 59)) == 0
    assert not Ticket.objects.filter(recurring__isnull=False).exists()


def test_running_the_job_again_opens_nothing_new(cast):
    schedule(cast)
    now = at(2026, 3, 2, 9, 1)
    assert create_due_recurring_tickets(now) == 1
    assert create_due_recurring_tickets(now) == 0
    assert create_due_recurring_tickets(now + dt.timedelta(minutes=1)) == 0
    assert Ticket.objects.filter(recurring__isnull=False).count() == 1


def test_two_workers_holding_the_same_schedule_raise_it_once(cast):
    rt = schedule(cast)
    # Both read the schedule before either claimed it.
    first, second = RecurringTicket.objects.get(pk=rt.pk), RecurringTicket.objects.get(pk=rt.pk)
    now = at(2026, 3, 2) + dt.timedelta(seconds=30)
    assert raise_due_ticket(first, now) is not None
    assert raise_due_ticket(second, now) is None  # its conditional UPDATE matched no row
    assert Ticket.objects.filter(recurring=rt).count() == 1


def test_an_occurrence_already_raised_counts_as_done(cast):
    rt = schedule(cast)
    open_ticket(
        requester=cast.boss,
        subject="Raised by hand",
        recurring=rt,
        recurring_due_at=rt.next_due_at,
        opened_at=rt.next_due_at,
    )
    assert create_due_recurring_tickets(at(2026, 3, 2, 10)) == 0
    assert Ticket.objects.filter(recurring=rt).get().subject == "Raised by hand"
    rt.refresh_from_db()
    assert rt.next_due_at == at(2026, 4, 2)  # moved on, not stuck on the duplicate


def test_after_downtime_one_ticket_covers_the_missed_occurrences(cast):
    """The policy: one ticket, for the latest missed occurrence, naming the ones skipped."""
    rt = schedule(cast, frequency=Frequency.WEEKLY, subject="Weekly patch check")
    now = at(2026, 3, 25, 14)  # the worker was down from 1 March: 2, 9, 16 and 23 March missed
    assert create_due_recurring_tickets(now) == 1
    ticket = Ticket.objects.get(recurring=rt)
    assert ticket.recurring_due_at == at(2026, 3, 23)
    assert ticket.opened_at == at(2026, 3, 23)
    body = ticket.messages.get().body
    assert "also covers 3 missed occurrences" in body
    assert "2 Mar 2026, 9 Mar 2026, 16 Mar 2026" in body
    rt.refresh_from_db()
    assert rt.next_due_at == at(2026, 3, 30)
    assert create_due_recurring_tickets(now) == 0


def test_a_long_downtime_lists_only_the_latest_missed_dates(cast):
    rt = schedule(cast, frequency=Frequency.WEEKLY, next_due_at=at(2025, 3, 3))
    create_due_recurring_tickets(at(2026, 3, 4))
    body = Ticket.objects.get(recurring=rt).messages.get().body
    assert "also covers 52 missed occurrences" in body
    assert "46 earlier, then 19 Jan 2026, 26 Jan 2026, 2 Feb 2026" in body
    assert Ticket.objects.get(recurring=rt).recurring_due_at == at(2026, 3, 2)


def test_one_broken_schedule_is_logged_and_left_due_while_the_others_go_ahead(cast, caplog):
    broken = schedule(cast, subject="   ", next_due_at=at(2026, 3, 1))  # open_ticket refuses it
    fine = schedule(cast, requester=cast.birch_boss, client=cast.birch)
    with caplog.at_level(logging.ERROR, logger="goodwill.desk.recurring"):
        assert create_due_recurring_tickets(at(2026, 3, 2, 9, 30)) == 1
    assert Ticket.objects.filter(recurring=fine).count() == 1
    broken.refresh_from_db()
    assert broken.next_due_at == at(2026, 3, 1)  # the claim was rolled back with the failure
    assert "could not be raised" in caplog.records[0].getMessage()
    assert caplog.records[0].exc_info is not None


# --- Pages --------------------------------------------------------------------------------


def test_the_list_shows_each_schedule_with_its_next_due_date_and_last_ticket(as_bookkeeper, cast):
    rt = schedule(cast)
    create_due_recurring_tickets(at(2026, 3, 2, 9))
    schedule(cast, subject="Quarterly firewall review", frequency=Frequency.QUARTERLY)
    response = as_bookkeeper.get(reverse("desk:recurring"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Monthly backup check" in html and "Quarterly firewall review" in html
    number = Ticket.objects.get(recurring=rt).number
    assert f"GW-{number}" in html
    assert "New schedule" not in html  # the bookkeeper may look, not schedule
    assert reverse("desk:recurring_edit", args=[rt.pk]) not in html
    assert reverse("desk:assets") in html  # the sub-navigation


def test_the_list_warns_when_schedules_are_late_because_no_worker_runs(as_tech, cast):
    schedule(cast, next_due_at=at(2020, 1, 1))
    html = as_tech.get(reverse("desk:recurring")).content.decode()
    assert "is overdue by more than 10 minutes" in html
    assert "goodwill worker" in html


def test_the_list_filters_by_client_and_frequency(as_tech, cast):
    schedule(cast)
    schedule(cast, client=cast.birch, requester=cast.birch_boss, subject="Birch server reboot")
    html = as_tech.get(reverse("desk:recurring"), {"client": cast.birch.pk}).content.decode()
    assert "Birch server reboot" in html and "Monthly backup check" not in html
    html = as_tech.get(reverse("desk:recurring"), {"frequency": "weekly"}).content.decode()
    assert "0 schedules match" in html


def form_data(cast, **extra) -> dict[str, object]:
    data = {
        "client": cast.acme.pk,
        "requester": cast.pa.pk,
        "subject": "Monthly backup check",
        "body": "Test a restore.",
        "priority": "P4",
        "category": "maintenance",
        "assignee": cast.tech.pk,
        "frequency": "monthly",
        "next_due_at": "2026-04-01T09:00",
        "active": "on",
    }
    data.update(extra)
    return data


def test_a_technician_schedules_maintenance(as_tech, cast):
    response = as_tech.post(reverse("desk:recurring_create"), form_data(cast))
    assert response.status_code == 302
    rt = RecurringTicket.objects.get()
    assert rt.requester == cast.pa and rt.client == cast.acme
    assert rt.next_due_at == at(2026, 4, 1)
    assert rt.active


def test_the_requester_must_work_at_the_client(as_tech, cast):
    response = as_tech.post(
        reverse("desk:recurring_create"), form_data(cast, requester=cast.birch_boss.pk)
    )
    assert response.status_code == 200
    assert "Pick someone who works at Acme Dental." in response.content.decode()
    assert not RecurringTicket.objects.exists()


def test_changing_the_client_offers_only_its_people(as_tech, cast):
    response = as_tech.get(
        reverse("desk:recurring_create"), {"client": cast.birch.pk}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert "Bill Birch" in html and "Maria Shaw" not in html


def test_editing_a_schedule_pauses_it_and_shows_what_it_raised(as_manager, cast):
    rt = schedule(cast)
    create_due_recurring_tickets(at(2026, 3, 2, 9))
    url = reverse("desk:recurring_edit", args=[rt.pk])
    page = as_manager.get(url).content.decode()
    assert Ticket.objects.get(recurring=rt).reference in page
    data = form_data(cast, requester=cast.boss.pk, next_due_at="2026-04-02T09:00")
    del data["active"]
    assert as_manager.post(url, data).status_code == 302
    rt.refresh_from_db()
    assert not rt.active and rt.requester == cast.boss


def test_a_bookkeeper_cannot_schedule_or_edit(as_bookkeeper, cast):
    rt = schedule(cast)
    assert as_bookkeeper.get(reverse("desk:recurring_create")).status_code == 403
    url = reverse("desk:recurring_edit", args=[rt.pk])
    assert as_bookkeeper.post(url, form_data(cast)).status_code == 403
