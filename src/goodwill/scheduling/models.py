"""Appointment types, staff availability, bookings, prospects and meeting outcomes.

Times are stored as UTC instants. Weekly hours are wall-clock times in the staff member's own
time zone (accounts.User.time_zone) and are turned into instants per day by slots.py, so a
09:00–17:00 day is eight hours on both sides of a DST change.

Two bookings can never hold the same staff time: every booking owns one BookingSlot row per
grid step of its busy range (the meeting plus its buffers), and (staff, slot_start) is unique.
That works the same on SQLite and PostgreSQL, inside the booking's transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse

from goodwill.contracts.models import Weekday

# Every booking's busy range is cut into steps of this many minutes; a step can belong to one
# booking per staff member only. Durations and buffers are whole multiples of it.
GRID_MINUTES = 15


def validate_grid(value: int) -> None:
    if value % GRID_MINUTES:
        raise ValidationError(f"Use a multiple of {GRID_MINUTES} minutes.")


class AppointmentKind(models.TextChoices):
    CONSULTATION = "consultation", "Consultation"
    VISIT = "visit", "On-site visit"
    REVIEW = "review", "Review"
    REMOTE = "remote", "Remote session"


class AppointmentType(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    kind = models.CharField(max_length=20, choices=AppointmentKind.choices)
    description = models.TextField(blank=True, help_text="Shown on the public booking page.")
    duration_minutes = models.PositiveSmallIntegerField(
        default=60, validators=[MinValueValidator(GRID_MINUTES), validate_grid]
    )
    buffer_before_minutes = models.PositiveSmallIntegerField(
        default=0, validators=[validate_grid], help_text="Kept free before: travel, preparation."
    )
    buffer_after_minutes = models.PositiveSmallIntegerField(
        default=0, validators=[validate_grid], help_text="Kept free after: travel, notes."
    )
    minimum_notice_minutes = models.PositiveIntegerField(
        default=24 * 60, help_text="How soon the earliest bookable slot may start."
    )
    booking_window_days = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(1)], help_text="How far ahead people may book."
    )
    is_public = models.BooleanField(
        default=False, help_text="Anyone may book it on the public booking page, without login."
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="appointment_types",
        blank=True,
        help_text="Who can take this kind of meeting.",
    )
    location = models.CharField(
        max_length=300, blank=True, help_text="An address, or a video-call link."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("scheduling:type_edit", args=[self.pk])

    @property
    def duration(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.duration_minutes)

    @property
    def buffer_before(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.buffer_before_minutes)

    @property
    def buffer_after(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.buffer_after_minutes)


class StaffHours(models.Model):
    """One span of a staff member's working week, in their own time zone."""

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="working_hours"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts = models.TimeField()
    ends = models.TimeField()

    class Meta:
        ordering = ["staff", "weekday", "starts"]
        verbose_name_plural = "staff hours"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts__lt=models.F("ends")), name="staff_hours_start_before_end"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts:%H:%M}–{self.ends:%H:%M}"

    def clean(self) -> None:
        if self.starts and self.ends and self.starts >= self.ends:
            raise ValidationError({"ends": "The end must be after the start on the same day."})


class TimeOff(models.Model):
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="time_off"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name_plural = "time off"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_at__lt=models.F("ends_at")),
                name="time_off_start_before_end",
            ),
        ]

    def __str__(self) -> str:
        return self.reason or "Time off"


class ProspectStage(models.TextChoices):
    NEW = "new", "New"
    CONSULTATION_BOOKED = "consultation_booked", "Consultation booked"
    CONSULTATION_HELD = "consultation_held", "Consultation held"
    PROPOSAL_SENT = "proposal_sent", "Proposal sent"
    WON = "won", "Won"
    LOST = "lost", "Lost"


class Prospect(models.Model):
    """Someone who booked (or was entered) and is not a client yet."""

    name = models.CharField(max_length=200)
    company = models.CharField(max_length=200, blank=True)
    email = models.EmailField()
    phone = models.CharField(max_length=50, blank=True)
    headcount = models.PositiveIntegerField(null=True, blank=True)
    problem = models.TextField(blank=True, help_text="What's going wrong, in their words.")
    runs_company = models.BooleanField(default=False, help_text="They said they run the company.")
    time_zone = models.CharField(max_length=64, default=settings.TIME_ZONE)
    stage = models.CharField(
        max_length=20, choices=ProspectStage.choices, default=ProspectStage.NEW
    )
    value = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Expected yearly contract value.",
    )
    next_step = models.CharField(max_length=200, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    client = models.ForeignKey(
        "clients.Client", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The client this prospect became.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"), name="prospect_email_unique_ci"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.company})" if self.company else self.name


class BookingStatus(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmed"
    CANCELLED = "cancelled", "Cancelled"


def new_uid() -> str:
    return f"{uuid.uuid4()}@goodwill"


class Booking(models.Model):
    appointment_type = models.ForeignKey(
        AppointmentType, on_delete=models.PROTECT, related_name="bookings"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    # The meeting plus its buffers: what nobody else may book.
    busy_starts_at = models.DateTimeField()
    busy_ends_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=BookingStatus.choices, default=BookingStatus.CONFIRMED
    )
    client = models.ForeignKey(
        "clients.Client", null=True, blank=True, on_delete=models.CASCADE, related_name="bookings"
    )
    prospect = models.ForeignKey(
        Prospect, null=True, blank=True, on_delete=models.SET_NULL, related_name="bookings"
    )
    location = models.CharField(max_length=300, blank=True)
    notes = models.TextField(blank=True)
    # The iCalendar identity: kept for the booking's life; SEQUENCE goes up on every change.
    uid = models.CharField(max_length=120, unique=True, default=new_uid)
    sequence = models.PositiveIntegerField(default=0)
    visitor_time_zone = models.CharField(max_length=64, default=settings.TIME_ZONE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["staff", "status", "busy_starts_at"]),
            models.Index(fields=["status", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_at__lt=models.F("ends_at")),
                name="booking_start_before_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appointment_type} {self.starts_at:%Y-%m-%d %H:%M}Z with {self.staff}"

    def get_absolute_url(self) -> str:
        return reverse("scheduling:booking", args=[self.pk])

    @property
    def is_confirmed(self) -> bool:
        return self.status == BookingStatus.CONFIRMED

    def title(self) -> str:
        who = self.prospect.company or self.prospect.name if self.prospect else ""
        if self.client_id:
            who = self.client.name
        return f"{self.appointment_type.name}{' · ' + who if who else ''}"


class BookingSlot(models.Model):
    """One grid step of a staff member's time held by one booking: the double-booking lock."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="slots")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    slot_start = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "slot_start"], name="one_booking_per_staff_slot"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff_id} @ {self.slot_start:%Y-%m-%d %H:%M}Z"


class Attendee(models.Model):
    """Who a booking is with: a person at a client, or a prospect. The PA copied on the boss's
    invitation is an attendee too, marked `arranges_for` (the person they arrange meetings for)."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="attendees")
    person = models.ForeignKey(
        "clients.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    prospect = models.ForeignKey(
        Prospect, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    arranges_for = models.ForeignKey(
        "clients.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=False) | models.Q(prospect__isnull=False),
                name="attendee_is_someone",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.person.full_name if self.person_id else self.prospect.name

    @property
    def email(self) -> str:
        return self.person.email if self.person_id else self.prospect.email


class MeetingOutcome(models.Model):
    attendee = models.OneToOneField(Attendee, on_delete=models.CASCADE, related_name="outcome")
    attended = models.BooleanField(default=True)
    rating = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="How it went, 1 (badly) to 5 (very well).",
    )
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.attendee}: {'came' if self.attended else 'did not come'}"


class CalendarFeed(models.Model):
    """A staff member's private ICS feed. Only the token's SHA-256 is stored; replacing or
    turning off the feed deletes the row, so the old address stops working at once."""

    staff = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.staff}"
