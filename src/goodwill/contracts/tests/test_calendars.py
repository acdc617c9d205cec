import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from goodwill.contracts.models import BusinessCalendar, Closure
from goodwill.contracts.tests.helpers import assert_not_allowed

LIST = reverse("contracts:calendars")
CREATE = reverse("contracts:calendar_create")
EVERY_ROLE = ["as_owner", "as_manager", "as_tech", "as_bookkeeper"]


def calendar_data(name="Scotland office", country="GB", subdivision="SCT", **extra):
    data = {
        "name": name,
        "time_zone": "Europe/London",
        "country": country,
        "subdivision": subdivision,
        "hours-TOTAL_FORMS": "3",
        "hours-INITIAL_FORMS": "0",
        "hours-MIN_NUM_FORMS": "0",
        "hours-MAX_NUM_FORMS": "1000",
        "hours-0-weekday": "0",
        "hours-0-opens": "09:00",
        "hours-0-closes": "12:30",
        "hours-1-weekday": "0",
        "hours-1-opens": "13:30",
        "hours-1-closes": "17:30",
        "hours-2-weekday": "5",
        "hours-2-opens": "",
        "hours-2-closes": "",
        "closures-TOTAL_FORMS": "2",
        "closures-INITIAL_FORMS": "0",
        "closures-MIN_NUM_FORMS": "0",
        "closures-MAX_NUM_FORMS": "1000",
        "closures-0-name": "Christmas week",
        "closures-0-start_date": "2026-12-28",
        "closures-0-end_date": "2026-12-31",
        "closures-1-name": "",
        "closures-1-start_date": "",
        "closures-1-end_date": "",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize("persona", EVERY_ROLE)
def test_the_list_renders_for_every_role(request, cast, persona):
    response = request.getfixturevalue(persona).get(LIST)
    assert response.status_code == 200
    assert b"UK office hours" in response.content
    assert b"Monday 09:00" in response.content


@pytest.mark.parametrize("persona", EVERY_ROLE)
def test_a_calendar_page_renders_for_every_role(request, cast, persona):
    response = request.getfixturevalue(persona).get(cast.calendar.get_absolute_url())
    assert response.status_code == 200
    assert b"Days off, next 12 months" in response.content


@pytest.mark.parametrize("persona", ["as_manager", "as_tech", "as_bookkeeper"])
def test_it_refuses_edits_by_those_without_sla_edit(request, cast, persona):
    http = request.getfixturevalue(persona)
    assert_not_allowed(http.get(CREATE))
    assert_not_allowed(http.post(CREATE, calendar_data()))
    assert_not_allowed(
        http.post(cast.calendar.get_absolute_url(), calendar_data("UK office hours"))
    )
    assert not BusinessCalendar.objects.filter(name="Scotland office").exists()


def test_others_see_the_calendar_read_only(as_tech, cast):
    response = as_tech.get(cast.calendar.get_absolute_url())
    assert response.context["editable"] is False
    assert b"Read-only" in response.content
    assert b'name="hours-TOTAL_FORMS"' not in response.content


def test_a_new_calendar_starts_with_office_hours(as_owner, cast):
    response = as_owner.get(CREATE)
    assert response.status_code == 200
    rows = [(f["weekday"].value(), f["opens"].value()) for f in response.context["hours"]]
    assert rows[:5] == [(day, "09:00") for day in range(5)]
    assert b"Save the calendar to see" in response.content


def test_it_creates_a_calendar_with_split_days_and_closures(as_owner, cast):
    response = as_owner.post(CREATE, calendar_data())
    assert response.status_code == 302
    calendar = BusinessCalendar.objects.get(name="Scotland office")
    assert [str(h) for h in calendar.hours.all()] == ["Monday 09:00–12:30", "Monday 13:30–17:30"]
    assert [c.name for c in calendar.closures.all()] == ["Christmas week"]
    assert (calendar.country, calendar.subdivision) == ("GB", "SCT")


def test_it_saves_prefilled_office_hours_left_as_they_were(as_owner, cast):
    page = as_owner.get(CREATE)
    hours = page.context["hours"]
    data = calendar_data(**{"hours-TOTAL_FORMS": str(hours.total_form_count())})
    for i, form in enumerate(hours):
        for field in ("weekday", "opens", "closes"):
            value = form[field].value()
            data[f"hours-{i}-{field}"] = "" if value is None else str(value)
    as_owner.post(CREATE, data)
    calendar = BusinessCalendar.objects.get(name="Scotland office")
    assert calendar.hours.count() == 5


def test_it_rejects_a_bad_holiday_region(as_owner, cast):
    response = as_owner.post(CREATE, calendar_data(subdivision="XYZ"))
    assert response.status_code == 200
    errors = response.context["form"].errors["subdivision"]
    assert "'XYZ' is not a region of GB" in errors[0]
    assert not BusinessCalendar.objects.filter(name="Scotland office").exists()


def test_it_rejects_an_unknown_holiday_country(as_owner, cast):
    response = as_owner.post(CREATE, calendar_data(country="QQ", subdivision=""))
    assert "country" in response.context["form"].errors


def test_it_rejects_an_unknown_time_zone(as_owner, cast):
    response = as_owner.post(CREATE, calendar_data(time_zone="Mars/Olympus"))
    assert "time_zone" in response.context["form"].errors


def test_it_rejects_hours_that_close_before_they_open(as_owner, cast):
    response = as_owner.post(CREATE, calendar_data(**{"hours-0-closes": "08:00"}))
    assert response.status_code == 200
    assert response.context["hours"].forms[0].errors["closes"] == [
        "Closing time must be after opening time (00:00 means midnight)."
    ]


def test_it_rejects_a_closure_that_ends_before_it_starts(as_owner, cast):
    response = as_owner.post(CREATE, calendar_data(**{"closures-0-end_date": "2026-12-01"}))
    assert "end_date" in response.context["closures"].forms[0].errors


def test_it_edits_and_removes_hours(as_owner, cast):
    calendar = cast.calendar
    hours = list(calendar.hours.all())
    data = calendar_data(
        "UK office hours",
        country="GB",
        subdivision="ENG",
        **{
            "hours-TOTAL_FORMS": str(len(hours)),
            "hours-INITIAL_FORMS": str(len(hours)),
            "closures-TOTAL_FORMS": "0",
        },
    )
    for i, h in enumerate(hours):
        data |= {
            f"hours-{i}-id": h.pk,
            f"hours-{i}-calendar": calendar.pk,
            f"hours-{i}-weekday": h.weekday,
            f"hours-{i}-opens": "08:00",
            f"hours-{i}-closes": "16:00",
        }
    data["hours-4-DELETE"] = "on"
    response = as_owner.post(calendar.get_absolute_url(), data)
    assert response.status_code == 302
    assert calendar.hours.count() == 4
    assert {h.opens for h in calendar.hours.all()} == {dt.time(8)}


@time_machine.travel(dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC), tick=False)
def test_it_previews_the_next_twelve_months_of_days_off(login, cast):
    as_owner = login(cast.owner)  # signed in inside the pinned clock, so the session is fresh
    Closure.objects.create(
        calendar=cast.calendar,
        name="Christmas week",
        start_date=dt.date(2026, 12, 29),
        end_date=dt.date(2026, 12, 31),
    )
    response = as_owner.get(cast.calendar.get_absolute_url())
    days_off = dict(response.context["days_off"])
    assert days_off[dt.date(2026, 12, 25)] == "Christmas Day"
    assert days_off[dt.date(2026, 12, 30)] == "Christmas week"
    assert min(days_off) >= dt.date(2026, 12, 1)
    assert max(days_off) <= dt.date(2027, 11, 30)
    assert dt.date(2027, 8, 30) in days_off  # summer bank holiday in England
    assert b"Christmas week" in response.content


def test_closing_at_midnight_is_a_span_to_the_end_of_the_day(cast):
    import datetime as dt

    from goodwill.contracts.models import BusinessHours

    hours = BusinessHours(calendar=cast.calendar, weekday=5, opens=dt.time(0), closes=dt.time(0))
    hours.full_clean()
    hours.save()
    assert BusinessHours.objects.filter(calendar=cast.calendar, weekday=5).count() == 1
