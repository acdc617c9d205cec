from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError

from goodwill.accounts.models import User
from goodwill.clients.models import Person
from goodwill.contracts.models import Weekday
from goodwill.scheduling.models import AppointmentType, Prospect, TimeOff
from goodwill.scheduling.slots import local_instant, zone_or_default


class VisitorDetailsForm(forms.Form):
    name = forms.CharField(max_length=200, label="Your name",
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    company = forms.CharField(max_length=200, label="Company",
                              widget=forms.TextInput(attrs={"autocomplete": "organization"}))
    email = forms.EmailField(
        label="E-mail", widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    phone = forms.CharField(max_length=50, required=False, label="Phone",
                            widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}))
    headcount = forms.IntegerField(
        min_value=1, max_value=100000, required=False, label="How many people work there?",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    problem = forms.CharField(
        label="What's going wrong?", max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="A few lines are plenty: what breaks, how often, who it stops working.",
    )
    runs_company = forms.BooleanField(required=False, label="I run the company")
    # The honeypot: hidden from people by CSS, filled in by form-filling bots.
    website = forms.CharField(required=False, label="Leave this empty")


class AppointmentTypeForm(forms.ModelForm):
    class Meta:
        model = AppointmentType
        fields = [
            "name", "slug", "kind", "description", "duration_minutes", "buffer_before_minutes",
            "buffer_after_minutes", "minimum_notice_minutes", "booking_window_days", "is_public",
            "staff", "location", "is_active",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "staff": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = User.objects.filter(is_active=True).exclude(role="")

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS:
            raise ValidationError(f"“{slug}” is part of the booking page's own addresses.")
        return slug


# /book/done/… and /book/manage/… would hide a type with these slugs.
RESERVED_SLUGS = {"done", "manage"}


class WeeklyHoursForm(forms.Form):
    """One span per weekday; leave both empty for a day off."""

    def __init__(self, *args, initial_hours=None, **kwargs):
        super().__init__(*args, **kwargs)
        initial_hours = initial_hours or {}
        for value, label in Weekday.choices:
            start, end = initial_hours.get(value, (None, None))
            self.fields[f"d{value}_starts"] = forms.TimeField(
                required=False, label=f"{label} from", initial=start,
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            )
            self.fields[f"d{value}_ends"] = forms.TimeField(
                required=False, label=f"{label} to", initial=end,
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            )

    def days(self):
        for value, label in Weekday.choices:
            yield label, self[f"d{value}_starts"], self[f"d{value}_ends"]

    def clean(self):
        data = super().clean()
        spans = {}
        for value, label in Weekday.choices:
            start, end = data.get(f"d{value}_starts"), data.get(f"d{value}_ends")
            if start is None and end is None:
                continue
            if start is None or end is None:
                self.add_error(f"d{value}_ends", f"Give both times for {label}, or neither.")
            elif start >= end:
                self.add_error(f"d{value}_ends", f"{label}: the end must be after the start.")
            else:
                spans[value] = (start, end)
        data["spans"] = spans
        return data


class TimeOffForm(forms.Form):
    starts = forms.DateTimeField(
        label="From", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends = forms.DateTimeField(
        label="Until", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    reason = forms.CharField(max_length=120, required=False)

    def __init__(self, *args, zone_name: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone_or_default(zone_name)

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts"), data.get("ends")
        if starts and ends:
            starts = local_instant(starts.date(), starts.time(), self.zone, edge="start")
            ends = local_instant(ends.date(), ends.time(), self.zone, edge="end")
            if starts >= ends:
                self.add_error("ends", "Time off must end after it starts.")
            data["starts_at"], data["ends_at"] = starts, ends
        return data

    def build(self, staff: User) -> TimeOff:
        return TimeOff(staff=staff, starts_at=self.cleaned_data["starts_at"],
                       ends_at=self.cleaned_data["ends_at"], reason=self.cleaned_data["reason"])


def wall_to_instant(day: dt.date, wall: dt.time, zone_name: str) -> dt.datetime:
    """A start typed as a local date and time; refused when the clocks skip it."""
    zone = zone_or_default(zone_name)
    instant = local_instant(day, wall, zone, edge="start")
    shown = instant.astimezone(zone)
    if (shown.date(), shown.time().replace(second=0)) != (day, wall):
        raise ValidationError(
            f"{wall:%H:%M} does not exist on {day:%d %b %Y} in {zone.key}: the clocks go "
            "forward then. Choose another time."
        )
    return instant


class BookVisitForm(forms.Form):
    appointment_type = forms.ModelChoiceField(
        queryset=AppointmentType.objects.filter(is_active=True), label="Kind of meeting"
    )
    people = forms.ModelMultipleChoiceField(
        queryset=Person.objects.none(), label="With", widget=forms.CheckboxSelectMultiple
    )
    staff = forms.ModelChoiceField(queryset=User.objects.none(), label="Who goes")
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time", "step": 900}),
                           help_text="In the staff member's time zone.")
    location = forms.CharField(max_length=300, required=False,
                               help_text="Leave empty for the meeting type's usual place.")
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, client=None, **kwargs):
        super().__init__(*args, **kwargs)
        if client is not None:
            self.fields["people"].queryset = client.people.filter(is_active=True)
        self.fields["staff"].queryset = User.objects.filter(is_active=True).exclude(role="")

    def clean(self):
        data = super().clean()
        staff, day, wall = data.get("staff"), data.get("day"), data.get("time")
        if staff and day and wall:
            try:
                data["start"] = wall_to_instant(day, wall, staff.time_zone)
            except ValidationError as error:
                self.add_error("time", error)
        return data


class MoveForm(forms.Form):
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time", "step": 900}))


class OutcomeForm(forms.Form):
    attended = forms.BooleanField(required=False, label="Attended")
    rating = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label="How it went",
        choices=[("", "—"), (5, "5 · very well"), (4, "4 · well"), (3, "3 · OK"),
                 (2, "2 · poorly"), (1, "1 · badly")],
    )
    note = forms.CharField(max_length=300, required=False, label="Note")


class ProspectForm(forms.ModelForm):
    class Meta:
        model = Prospect
        fields = ["name", "company", "email", "phone", "headcount", "runs_company", "stage",
                  "value", "next_step", "owner", "problem"]
        widgets = {"problem": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(is_active=True).exclude(role="")

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        clash = Prospect.objects.filter(email__iexact=email).exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError("Another prospect already has this e-mail address.")
        return email

