from __future__ import annotations

from django import template
from django.utils import timezone

from goodwill.accounts.permissions import can
from goodwill.clients.models import Person, StakeholderRole
from goodwill.scheduling.models import Booking, BookingStatus

register = template.Library()


@register.inclusion_tag("scheduling/_person_meetings.html", takes_context=True)
def person_meetings(context, person: Person) -> dict:
    """The person page's meetings card: upcoming bookings and the "book" button."""
    now = timezone.now()
    mine = Booking.objects.filter(attendees__person=person).select_related(
        "appointment_type", "staff"
    ).distinct()
    upcoming = list(mine.filter(status=BookingStatus.CONFIRMED, starts_at__gte=now)[:5])
    past = mine.filter(status=BookingStatus.CONFIRMED, starts_at__lt=now)
    last = None if upcoming else past.order_by("-starts_at").first()
    pa_names = ""
    if StakeholderRole.DECISION_MAKER in person.role_set():
        pas = Person.objects.with_role(StakeholderRole.GATEKEEPER).filter(
            client_id=person.client_id, is_active=True
        ).exclude(pk=person.pk)
        pa_names = ", ".join(p.full_name for p in pas)
    request = context.get("request")
    return {
        "person": person,
        "upcoming": upcoming,
        "last": last,
        "pa_names": pa_names,
        "can_book": bool(request and can(request.user, "bookings.work")),
    }
