from __future__ import annotations

import datetime as dt
from decimal import Decimal

import holidays as holidays_lib
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse

from goodwill.clients.models import Client, Site
from goodwill.core.choices import Priority
from goodwill.core.models import TimeStamped
from goodwill.core.money import quantize, validate_currency
from goodwill.core.timezones import validate_time_zone


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class BusinessCalendar(TimeStamped):
    """When the SLA clock runs: weekly hours in a time zone, less public holidays and closures."""

    name = models.CharField(max_length=120, unique=True)
    time_zone = models.CharField(
        max_length=64, default="Europe/London", validators=[validate_time_zone]
    )
    country = models.CharField(
        max_length=3, blank=True, help_text="Public holidays of this country (ISO code), if any."
    )
    subdivision = models.CharField(
        max_length=10, blank=True, help_text="Region for regional holidays, e.g. SCT or ENG."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("contracts:calendar", args=[self.pk])

    def clean(self) -> None:
        if not self.country:
            if self.subdivision:
                raise ValidationError({"subdivision": "Choose a country before a region."})
            return
        supported = holidays_lib.list_supported_countries()
        self.country = self.country.upper()
        if self.country not in supported:
            raise ValidationError({"country": f"No holiday calendar for country {self.country!r}."})
        if self.subdivision:
            self.subdivision = self.subdivision.upper()
            if self.subdivision not in supported[self.country]:
                choices = ", ".join(supported[self.country]) or "none"
                raise ValidationError(
                    {
                        "subdivision": f"{self.subdivision!r} is not a region of {self.country} "
                        f"(known regions: {choices})."
                    }
                )

    def public_holidays(self, years: list[int]) -> dict[dt.date, str]:
        if not self.country:
            return {}
        return dict(
            holidays_lib.country_holidays(
                self.country, subdiv=self.subdivision or None, years=years
            ).items()
        )

    def days_off(self, start: dt.date, end: dt.date) -> dict[dt.date, str]:
        """Public holidays and custom closures between two dates (inclusive), with their names."""
        days = {
            day: name
            for day, name in self.public_holidays(list(range(start.year, end.year + 1))).items()
            if start <= day <= end
        }
        for closure in self.closures.filter(end_date__gte=start, start_date__lte=end):
            day = max(closure.start_date, start)
            while day <= min(closure.end_date, end):
                days[day] = closure.name
                day += dt.timedelta(days=1)
        return dict(sorted(days.items()))


class BusinessHours(models.Model):
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["weekday", "opens"]
        verbose_name_plural = "business hours"
        constraints = [
            # Closing at 00:00 means midnight at the end of the day (a 24-hour span).
            models.CheckConstraint(
                condition=models.Q(opens__lt=models.F("closes")) | models.Q(closes=dt.time(0)),
                name="hours_open_before_close",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    def clean(self) -> None:
        if self.opens and self.closes and self.opens >= self.closes and self.closes != dt.time(0):
            raise ValidationError(
                {"closes": "Closing time must be after opening time (00:00 means midnight)."}
            )


class Closure(models.Model):
    """A day or days the provider is closed beyond public holidays (e.g. Christmas week)."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="closures"
    )
    name = models.CharField(max_length=120)
    start_date = models.DateField()
    end_date = models.DateField()

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start_date__lte=models.F("end_date")),
                name="closure_start_before_end",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.start_date and self.end_date and self.start_date > self.end_date:
            raise ValidationError({"end_date": "The closure must end on or after its first day."})


class SLAPolicy(TimeStamped):
    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.PROTECT, related_name="policies"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("contracts:sla_policy", args=[self.pk])


class SLATarget(models.Model):
    """Response and resolution targets for one priority, in business minutes.

    The key-people targets, when set, apply to tickets raised by the boss, the PA or the
    financial director: the people who decide whether the contract is renewed.
    """

    policy = models.ForeignKey(SLAPolicy, on_delete=models.CASCADE, related_name="targets")
    priority = models.CharField(max_length=2, choices=Priority.choices)
    first_response_minutes = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    resolution_minutes = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    key_first_response_minutes = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)]
    )
    key_resolution_minutes = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)]
    )

    class Meta:
        ordering = ["priority"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "priority"], name="sla_target_per_priority"),
        ]

    def __str__(self) -> str:
        return f"{self.policy} {self.priority}"

    def clean(self) -> None:
        errors = {}
        if (
            self.first_response_minutes
            and self.resolution_minutes
            and self.first_response_minutes > self.resolution_minutes
        ):
            errors["resolution_minutes"] = "Resolution cannot be due before the first response."
        if (
            self.key_first_response_minutes
            and self.first_response_minutes
            and self.key_first_response_minutes > self.first_response_minutes
        ):
            errors["key_first_response_minutes"] = (
                "Key people's target must be as tight or tighter."
            )
        if (
            self.key_resolution_minutes
            and self.resolution_minutes
            and self.key_resolution_minutes > self.resolution_minutes
        ):
            errors["key_resolution_minutes"] = "Key people's target must be as tight or tighter."
        if errors:
            raise ValidationError(errors)


class BillingCycle(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    YEARLY = "yearly", "Yearly"


MONTHS_PER_CYCLE = {BillingCycle.MONTHLY: 1, BillingCycle.QUARTERLY: 3, BillingCycle.YEARLY: 12}


class ContractState(models.TextChoices):
    """What staff decide. The status people see is derived from this and the dates."""

    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    RENEWED = "renewed", "Renewed"
    CANCELLED = "cancelled", "Cancelled"


class ContractStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    RENEWAL_DUE = "renewal_due", "Renewal due"
    RENEWED = "renewed", "Renewed"
    LAPSED = "lapsed", "Lapsed"
    CANCELLED = "cancelled", "Cancelled"


class Contract(TimeStamped):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contracts")
    name = models.CharField(max_length=150, default="IT maintenance agreement")
    state = models.CharField(
        max_length=10, choices=ContractState.choices, default=ContractState.DRAFT
    )
    start_date = models.DateField()
    term_months = models.PositiveSmallIntegerField(default=12, validators=[MinValueValidator(1)])
    end_date = models.DateField()
    renewal_date = models.DateField(help_text="When the contract renews or must be renegotiated.")
    notice_days = models.PositiveSmallIntegerField(
        default=30, help_text="Notice either side must give before the renewal date."
    )
    # Derived from renewal_date - notice_days on save, so the status can be computed in SQL.
    notice_deadline = models.DateField(editable=False)
    auto_renew = models.BooleanField(default=False)
    fee = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(max_length=3, default="GBP", validators=[validate_currency])
    billing_cycle = models.CharField(
        max_length=10, choices=BillingCycle.choices, default=BillingCycle.MONTHLY
    )
    # Derived from fee / months in the billing cycle on save: summed for MRR.
    monthly_value = models.DecimalField(max_digits=12, decimal_places=2, editable=False)
    included_hours = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Support hours included per billing period.",
    )
    sites = models.ManyToManyField(
        Site, blank=True, related_name="contracts", help_text="Leave empty to cover every site."
    )
    seats = models.PositiveIntegerField(default=0, help_text="Users covered (0 = unlimited).")
    sla_policy = models.ForeignKey(
        SLAPolicy, null=True, blank=True, on_delete=models.PROTECT, related_name="contracts"
    )
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["client__name", "-start_date"]
        indexes = [
            models.Index(fields=["state", "notice_deadline"]),
            models.Index(fields=["client", "state"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start_date__lte=models.F("end_date")),
                name="contract_starts_before_it_ends",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} · {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("contracts:detail", args=[self.pk])

    def clean(self) -> None:
        errors = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = "The contract must end after it starts."
        if self.renewal_date and self.start_date and self.renewal_date < self.start_date:
            errors["renewal_date"] = "The renewal date cannot be before the start."
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs) -> None:
        self.refresh_derived_fields()
        super().save(*args, **kwargs)

    def refresh_derived_fields(self) -> None:
        self.notice_deadline = self.renewal_date - dt.timedelta(days=self.notice_days)
        months = MONTHS_PER_CYCLE[BillingCycle(self.billing_cycle)]
        self.monthly_value = quantize(Decimal(self.fee) / months)
