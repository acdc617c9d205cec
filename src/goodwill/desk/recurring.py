"""Preventive maintenance on a schedule: the worker raises each RecurringTicket when it falls due.

Dates follow the wall clock of the installation's time zone (settings.TIME_ZONE): a check due
on the 1st at 09:00 stays at 09:00 through the clock changes. Months step by the calendar with
end-of-month clamping, and a schedule that falls on the last day of a month stays on the last
day of each month (31 Jan → 28 Feb → 31 Mar → 30 Apr); a leap-day yearly check comes back to
29 February in leap years.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from goodwill.contracts.services import add_months
from goodwill.desk.models import Channel, Frequency, RecurringTicket, Ticket
from goodwill.desk.services import open_ticket

logger = logging.getLogger(__name__)

MONTHS_PER_FREQUENCY = {Frequency.MONTHLY: 1, Frequency.QUARTERLY: 3, Frequency.YEARLY: 12}
# Listed by date in the note of a catch-up ticket; beyond this, only counted.
SKIPPED_LISTED = 6
# Safety net for a schedule far in the past (weekly for 200 years).
MAX_OCCURRENCES = 10_000


def _is_last_day_of_month(day: dt.date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def next_occurrence(due: dt.datetime, frequency: str) -> dt.datetime:
    """The occurrence after `due`: a week, or calendar months, later at the same local time."""
    local = timezone.localtime(due)
    day = local.date()
    if frequency == Frequency.WEEKLY:
        next_day = day + dt.timedelta(days=7)
    else:
        next_day = add_months(day, MONTHS_PER_FREQUENCY[Frequency(frequency)])
        if _is_last_day_of_month(day):
            last = calendar.monthrange(next_day.year, next_day.month)[1]
            next_day = next_day.replace(day=last)
    return timezone.make_aware(dt.datetime.combine(next_day, local.time()))


def occurrences_until(
    first: dt.datetime, frequency: str, now: dt.datetime
) -> tuple[list[dt.datetime], dt.datetime]:
    """Every occurrence from `first` up to `now` (oldest first), and the first one after `now`."""
    due: list[dt.datetime] = []
    current = first
    while current <= now and len(due) < MAX_OCCURRENCES:
        due.append(current)
        current = next_occurrence(current, frequency)
    while current <= now:  # beyond the safety net: jump ahead without listing
        current = next_occurrence(current, frequency)
    return due, current


def _day(moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.day} {local:%b %Y}"


def ticket_body(schedule: RecurringTicket, due: dt.datetime, skipped: list[dt.datetime]) -> str:
    """The schedule's text, where it came from and, after downtime, the occurrences it covers."""
    lines = [schedule.body.strip()] if schedule.body.strip() else []
    lines.append(
        f"Raised by the {schedule.get_frequency_display().lower()} maintenance schedule "
        f"“{schedule.subject}”, due {_day(due)} at {timezone.localtime(due):%H:%M}."
    )
    if skipped:
        listed = ", ".join(_day(moment) for moment in skipped[-SKIPPED_LISTED:])
        more = len(skipped) - SKIPPED_LISTED
        if more > 0:
            listed = f"{more} earlier, then {listed}"
        lines.append(
            f"This ticket also covers {len(skipped)} missed occurrence"
            f"{'s' if len(skipped) != 1 else ''} (the scheduler was not running or the "
            f"schedule was paused): {listed}."
        )
    return "\n\n".join(lines)


def raise_due_ticket(schedule: RecurringTicket, now: dt.datetime) -> Ticket | None:
    """Raise the ticket for this schedule's latest occurrence due by `now`, if nobody has.

    The claim is a conditional UPDATE of next_due_at from the value this process read to the
    first occurrence after `now`: of two workers holding the same schedule, only one updates a
    row. The ticket is opened in the same transaction, so a failure leaves the schedule due
    for the next run; the unique (recurring, recurring_due_at) key stops a duplicate even if
    the schedule was moved back by hand, and that is taken as "already done".
    """
    due, following = occurrences_until(schedule.next_due_at, schedule.frequency, now)
    if not due:
        return None
    latest, skipped = due[-1], due[:-1]
    with transaction.atomic():
        claimed = RecurringTicket.objects.filter(
            pk=schedule.pk, active=True, next_due_at=schedule.next_due_at
        ).update(next_due_at=following)
        if not claimed:
            return None
        schedule.next_due_at = following
        try:
            return open_ticket(
                requester=schedule.requester,
                subject=schedule.subject,
                body=ticket_body(schedule, latest, skipped),
                priority=schedule.priority,
                category=schedule.category,
                channel=Channel.STAFF,
                assignee=schedule.assignee,
                opened_at=latest,
                recurring=schedule,
                recurring_due_at=latest,
            )
        except IntegrityError:
            logger.info("%s due %s was already raised", schedule, latest.isoformat())
            return None


def create_due_recurring_tickets(now: dt.datetime | None = None) -> int:
    """Worker job: raise every active schedule that has fallen due. Returns tickets opened.

    Catch-up policy: after downtime (or when a schedule is switched back on) each schedule
    gets ONE ticket, for its latest missed occurrence, opened at that occurrence's time; the
    occurrences it skipped are named in the ticket's text. A burst of identical maintenance
    tickets for checks nobody will do twice helps no one; the record of what was missed does.
    The schedule then moves to its first occurrence after `now`.

    One schedule that cannot be raised (say its requester was removed) is logged and left
    due for the next run; the others go ahead.
    """
    now = now or timezone.now()
    opened = 0
    due = (
        RecurringTicket.objects.filter(active=True, next_due_at__lte=now)
        .select_related("requester__client", "requester__site", "assignee")
        .order_by("next_due_at", "pk")
    )
    for schedule in due:
        try:
            opened += raise_due_ticket(schedule, now) is not None
        except Exception:
            logger.exception("Recurring ticket %s (%s) could not be raised", schedule.pk, schedule)
    return opened
