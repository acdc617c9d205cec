"""The public booking pages through the Django test client: no login, honeypot, rate limits,
tampered links, and the "just taken" answer."""

from __future__ import annotations

import json

import pytest
from django.core import signing
from django.core.cache import cache
from django.test import Client as HttpClient
from django.urls import reverse

from goodwill.core.models import OutboundMessage
from goodwill.scheduling import services
from goodwill.scheduling.models import Booking, BookingStatus, Prospect
from goodwill.scheduling.slots import available_slots
from goodwill.scheduling.testing import consultation, give_hours


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def kind(cast):
    give_hours(cast.manager)
    return consultation(cast.manager)


def details(n: int = 1, **extra) -> dict:
    values = {"name": f"Nora Quinn {n}", "company": "Quinn Optics", "email": f"nora{n}@quinn.test",
              "phone": "+44 20 7946 0000", "headcount": "14",
              "problem": "Printers and Wi-Fi fail daily", "tz": "America/New_York"}
    values.update(extra)
    return values


def test_the_booking_page_needs_no_login_and_lists_times_in_the_visitor_zone(kind):
    http = HttpClient()
    response = http.get("/book/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("scheduling:public_slots", args=[kind.slug])
    slot = available_slots(kind)[0]
    page = http.get(reverse("scheduling:public_slots", args=[kind.slug]),
                    {"tz": "Australia/Sydney"})
    text = page.content.decode()
    shown = slot.start.astimezone(__import__("zoneinfo").ZoneInfo("Australia/Sydney"))
    assert "Times are shown in" in text and 'value="Australia/Sydney" selected' in text
    assert f"{shown:%H:%M}" in text
    assert f'data-slot="{slot.key}"' in text
    assert "Intl.DateTimeFormat().resolvedOptions().timeZone" in text


def test_booking_through_the_form_confirms_and_queues_the_invitation(kind):
    http = HttpClient()
    slot = available_slots(kind)[0]
    url = reverse("scheduling:public_details", args=[kind.slug, slot.key])
    form = http.get(url, {"tz": "America/New_York"})
    assert form.status_code == 200 and b'name="website"' in form.content
    response = http.post(url, details(runs_company="on"), follow=True)
    assert response.status_code == 200
    assert b"You're booked" in response.content
    booking = Booking.objects.get()
    assert booking.starts_at == slot.start and booking.visitor_time_zone == "America/New_York"
    prospect = Prospect.objects.get()
    assert prospect.runs_company and prospect.headcount == 14
    message = OutboundMessage.objects.get(context=f"booking:{booking.pk}")
    assert message.to == ["nora1@quinn.test"]
    assert message.attachments.get().filename == "invite.ics"


def test_the_honeypot_refuses_quietly_filled_forms(kind):
    slot = available_slots(kind)[0]
    url = reverse("scheduling:public_details", args=[kind.slug, slot.key])
    response = HttpClient().post(url, details(website="http://spam.example"))
    assert response.status_code == 400
    assert b"nothing was booked" in response.content
    assert not Booking.objects.exists() and not Prospect.objects.exists()


def test_form_errors_are_precise(kind):
    slot = available_slots(kind)[0]
    url = reverse("scheduling:public_details", args=[kind.slug, slot.key])
    response = HttpClient().post(url, details(email="not-an-address", problem=""))
    assert response.status_code == 200
    assert b"Enter a valid email address." in response.content
    assert not Booking.objects.exists()


def test_the_loser_of_a_slot_sees_it_was_just_taken_and_the_nearest_times(kind):
    slot = available_slots(kind)[1]
    url = reverse("scheduling:public_details", args=[kind.slug, slot.key])
    HttpClient().post(url, details(1))
    response = HttpClient(REMOTE_ADDR="10.0.0.2").post(url, details(2))
    assert response.status_code == 409
    text = response.content.decode()
    assert "Sorry, that time was just taken" in text
    assert text.count('data-slot="') >= 3
    assert f'data-slot="{slot.key}"' not in text
    assert Booking.objects.count() == 1


def test_opening_a_time_that_is_gone_says_so_before_the_form(kind):
    slot = available_slots(kind)[0]
    url = reverse("scheduling:public_details", args=[kind.slug, slot.key])
    HttpClient().post(url, details(1))
    response = HttpClient(REMOTE_ADDR="10.0.0.3").get(url, {"tz": "Europe/Paris"})
    assert response.status_code == 409
    assert b"That time is no longer free" in response.content
    assert b'name="email"' not in response.content
    assert b'data-slot="' in response.content


def test_bookings_per_address_are_rate_limited(kind, settings):
    settings.GOODWILL_BOOKING_MAX_PER_HOUR = 2
    http = HttpClient()
    starts = available_slots(kind)[::4][:3]
    codes = [
        http.post(reverse("scheduling:public_details", args=[kind.slug, s.key]),
                  details(n)).status_code
        for n, s in enumerate(starts)
    ]
    assert codes == [302, 302, 429]
    blocked = http.post(reverse("scheduling:public_details", args=[kind.slug, starts[2].key]),
                        details(9))
    assert blocked.status_code == 429 and blocked["Retry-After"] == "3600"
    assert b"paused this" in blocked.content
    assert Booking.objects.count() == 2
    # Someone else (another address) can still book.
    other = HttpClient(REMOTE_ADDR="192.0.2.7").post(
        reverse("scheduling:public_details", args=[kind.slug, starts[2].key]), details(3)
    )
    assert other.status_code == 302


def test_slot_page_views_are_rate_limited(kind, settings):
    settings.GOODWILL_BOOKING_MAX_VIEWS_PER_MINUTE = 3
    http = HttpClient()
    url = reverse("scheduling:public_slots", args=[kind.slug])
    assert [http.get(url).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_reschedule_and_cancel_links_keep_the_uid_and_raise_the_sequence(kind):
    http = HttpClient()
    first, later = available_slots(kind)[0], available_slots(kind)[4]
    http.post(reverse("scheduling:public_details", args=[kind.slug, first.key]), details())
    booking = Booking.objects.get()
    token = services.manage_token(booking)
    # GET on the cancel link only asks (mail scanners follow links).
    page = http.get(reverse("scheduling:public_cancel", args=[token]))
    assert b"Yes, cancel it" in page.content
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    choose = http.get(reverse("scheduling:public_reschedule", args=[token]), {"tz": "UTC"})
    assert f'data-slot="{later.key}"' in choose.content.decode()
    moved = http.post(reverse("scheduling:public_reschedule", args=[token]),
                      {"start": later.key}, follow=True)
    assert b"Moved to the new time" in moved.content
    booking.refresh_from_db()
    uid = booking.uid
    assert (booking.starts_at, booking.sequence) == (later.start, 1)
    http.post(reverse("scheduling:public_cancel", args=[token]))
    booking.refresh_from_db()
    assert (booking.status, booking.sequence, booking.uid) == (BookingStatus.CANCELLED, 2, uid)
    kinds = list(OutboundMessage.objects.filter(context=f"booking:{booking.pk}")
                 .order_by("id").values_list("kind", flat=True))
    assert kinds == ["booking.request", "booking.request", "booking.cancel"]


def test_tampered_links_are_refused(kind):
    http = HttpClient()
    slot = available_slots(kind)[0]
    http.post(reverse("scheduling:public_details", args=[kind.slug, slot.key]), details())
    booking = Booking.objects.get()
    token = services.manage_token(booking)
    body, _, signature = token.rpartition(":")
    # Someone else's booking in the payload, with this token's signature.
    later = available_slots(kind)[-1]
    HttpClient(REMOTE_ADDR="10.0.0.9").post(
        reverse("scheduling:public_details", args=[kind.slug, later.key]), details(2)
    )
    victim = Booking.objects.exclude(pk=booking.pk).get()
    other = signing.b64_encode(
        json.dumps({"b": victim.pk, "u": victim.uid}, separators=(",", ":")).encode()
    ).decode()
    forged = other + token[token.index(":"):]
    assert forged != token
    for bad in (body + ":" + signature[:-1] + ("x" if signature[-1] != "x" else "y"), forged,
                "nonsense"):
        assert http.get(reverse("scheduling:public_manage", args=[bad])).status_code == 404
        assert http.post(reverse("scheduling:public_cancel", args=[bad])).status_code == 404
    assert http.get(reverse("scheduling:public_manage", args=[token])).status_code == 200
    assert set(Booking.objects.values_list("status", flat=True)) == {BookingStatus.CONFIRMED}


def test_private_types_are_not_bookable_in_public(cast):
    from goodwill.scheduling.testing import review

    give_hours(cast.manager)
    private = review(cast.manager)
    slot = available_slots(private)[0]
    http = HttpClient()
    assert http.get(reverse("scheduling:public_slots", args=[private.slug])).status_code == 404
    url = reverse("scheduling:public_details", args=[private.slug, slot.key])
    assert http.post(url, details()).status_code == 404
