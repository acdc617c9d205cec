"""`goodwill demo` leaves a working booking page, a calendar and a pipeline behind."""

from __future__ import annotations

import time

import pytest
from django.db.models import Count
from django.test import Client as HttpClient
from django.urls import reverse

from goodwill.demo.generator import DemoOptions, generate
from goodwill.scheduling.models import (
    AppointmentType,
    Booking,
    BookingSlot,
    Prospect,
    ProspectStage,
)
from goodwill.scheduling.slots import available_slots

pytestmark = pytest.mark.django_db


def test_the_demo_opens_the_booking_page_and_fills_the_calendar(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    started = time.perf_counter()
    result = generate(DemoOptions(clients=20, tickets=40, write_logins=False))
    assert time.perf_counter() - started < 60
    assert any(line.startswith("scheduling:") for line in result.extensions)

    consultation = AppointmentType.objects.get(slug="diagnostic-consultation")
    assert consultation.is_public and consultation.duration_minutes == 60
    assert AppointmentType.objects.get(slug="quarterly-review").duration_minutes == 45
    assert available_slots(consultation), "the public page offers times out of the box"
    page = HttpClient().get(reverse("scheduling:public_slots", args=[consultation.slug]))
    assert page.status_code == 200 and b'data-slot="' in page.content

    assert Booking.objects.filter(client__isnull=False).count() >= 8
    stages = dict(Prospect.objects.values_list("stage").annotate(n=Count("id")))
    assert sum(stages.values()) == 12
    assert set(stages) == set(ProspectStage.values)
    # Every booking holds its time: no two share a staff member's slot row.
    held = BookingSlot.objects.count()
    assert held == BookingSlot.objects.values("staff", "slot_start").distinct().count() > 0
