"""Signals: everything that says something about how a person feels about the service.

One table is the single input of every score (person happiness, client health, the complainer
radar). Other apps never import this module: they call `goodwill.happiness.signals.record_signal`
from their services.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from goodwill.clients.models import Client, Person


class SignalKind(models.TextChoices):
    TICKET_OPENED = "ticket_opened", "Ticket opened"
    TICKET_REOPENED = "ticket_reopened", "Ticket reopened"
    ESCALATION = "escalation", "Escalation"
    SLA_MET = "sla_met", "SLA met"
    SLA_BREACHED = "sla_breached", "SLA breached"
    FIRST_RESPONSE_TIME = "first_response_time", "First response time"
    RESOLUTION_TIME = "resolution_time", "Resolution time"
    SENTIMENT = "sentiment", "Message sentiment"
    CSAT = "csat", "Satisfaction rating"
    NPS = "nps", "Relationship survey"
    MEETING = "meeting", "Meeting"
    CALL = "call", "Call"
    INVOICE_REMINDER = "invoice_reminder", "Invoice reminder"
    SILENCE = "silence", "Not contacted"
    BOUNCE = "bounce", "Mail bounced"


class Signal(models.Model):
    """One observation about one person (or a whole client when person is empty).

    `value` is the signal's effect on happiness on one scale, -1 (bad) … +1 (good), so scores
    can weigh signals of every kind together; `details` keeps the raw facts (a rating of 2 of 5,
    minutes to first response) and `note` says it in words staff can act on.
    """

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="signals")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="signals"
    )
    kind = models.CharField(max_length=24, choices=SignalKind.choices)
    value = models.FloatField()
    occurred_at = models.DateTimeField()
    source = models.CharField(
        max_length=100, blank=True, help_text="Where it came from: ticket:GW-10432, message:12…"
    )
    # Idempotency: the same fact reported twice (a backfill, a retried job) is one signal.
    key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    note = models.CharField(max_length=300, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["person", "occurred_at"]),
            models.Index(fields=["client", "occurred_at"]),
            models.Index(fields=["kind", "occurred_at"]),
            # Covers scans of everyone's recent signals (the portfolio trend in
            # happiness.queries) without touching the notes and details in the table.
            models.Index(
                fields=["occurred_at", "person", "client", "kind", "value"],
                name="signal_scoring_scan",
            ),
            # The scores' aggregate (happiness.scores.aggregate) reads this one: in (person,
            # kind) order, so grouping needs no sort, and covering, so no table lookups.
            models.Index(
                fields=["person", "kind", "occurred_at", "value", "client"],
                name="signal_person_kind_scan",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value:+.2f} ({self.source})"


# --- Scores: caches rebuilt from signals (happiness.scores) ----------------------------------


class Band(models.TextChoices):
    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    RED = "red", "Red"


class PersonScore(models.Model):
    """A person's happiness, as last computed from their signals. Rebuildable at any time."""

    person = models.OneToOneField(
        Person, primary_key=True, on_delete=models.CASCADE, related_name="happiness"
    )
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    score = models.SmallIntegerField()
    band = models.CharField(max_length=6, choices=Band.choices)
    # The same score as it stood 30 and 90 days ago (from the signals known then).
    score_30d = models.SmallIntegerField(null=True)
    score_90d = models.SmallIntegerField(null=True)
    # [{"text": "2 SLA breaches on their tickets in the last 30 days", "effect": -14, ...}]
    reasons = models.JSONField(default=list, blank=True)
    # Counts over the last 90 days, the complainer radar's input.
    stats = models.JSONField(default=dict, blank=True)
    # {"why": [...], "z": 4.2} when the radar flags the person; null otherwise.
    radar = models.JSONField(null=True, blank=True)
    # The band the last digest told the account manager about.
    notified_band = models.CharField(max_length=6, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["client", "band"])]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.score} {self.band}"

    @property
    def trend_30(self) -> int | None:
        return None if self.score_30d is None else self.score - self.score_30d

    @property
    def trend_90(self) -> int | None:
        return None if self.score_90d is None else self.score - self.score_90d


class ClientScore(models.Model):
    """A client's health and the risk of losing its contract, with the reasons."""

    client = models.OneToOneField(
        Client, primary_key=True, on_delete=models.CASCADE, related_name="health"
    )
    health = models.SmallIntegerField()
    band = models.CharField(max_length=6, choices=Band.choices)
    risk = models.SmallIntegerField(help_text="Contract-loss risk, 0–100")
    mrr = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    # MRR × risk: what is at stake, the order of the at-risk list and of next actions.
    stake = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    health_30d = models.SmallIntegerField(null=True)
    health_90d = models.SmallIntegerField(null=True)
    reasons = models.JSONField(default=list, blank=True)
    notified_band = models.CharField(max_length=6, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["band"]), models.Index(fields=["-stake"])]

    def __str__(self) -> str:
        return f"{self.client_id}: {self.health} {self.band}"

    @property
    def trend_30(self) -> int | None:
        return None if self.health_30d is None else self.health - self.health_30d

    @property
    def trend_90(self) -> int | None:
        return None if self.health_90d is None else self.health - self.health_90d


# --- Playbook ------------------------------------------------------------------------------------


class CadenceRule(models.TextChoices):
    EVERY = "every", "Every N days"
    BEFORE_INVOICE = "before_invoice", "Before each invoice run"
    AFTER_TICKET = "after_ticket", "After each of their tickets is resolved"


class TouchCadence(models.Model):
    """How often staff should be in touch with each stakeholder role (editable)."""

    role = models.CharField(max_length=20, unique=True)
    rule = models.CharField(max_length=16, choices=CadenceRule.choices, default=CadenceRule.EVERY)
    days = models.PositiveSmallIntegerField(
        default=30, help_text="For 'every N days': the longest silence before a check-in."
    )

    class Meta:
        ordering = ["role"]

    def __str__(self) -> str:
        return f"{self.role}: {self.rule} {self.days}"


class ActionStatus(models.TextChoices):
    OPEN = "open", "To do"
    DONE = "done", "Done"
    SNOOZED = "snoozed", "Snoozed"
    DISMISSED = "dismissed", "Dismissed"


class NextAction(models.Model):
    """One thing an account manager should do, generated by a playbook rule."""

    key = models.CharField(max_length=120, unique=True, help_text="rule:person:occasion")
    rule = models.CharField(max_length=30)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="next_actions")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="next_actions"
    )
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="next_actions",
    )
    title = models.CharField(max_length=200)
    why = models.CharField(max_length=300, blank=True)
    link = models.CharField(max_length=300, blank=True)
    stake = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    status = models.CharField(
        max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    snoozed_until = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-stake", "created_at"]
        indexes = [models.Index(fields=["account_manager", "status"])]

    def __str__(self) -> str:
        return self.title


# --- Surveys -------------------------------------------------------------------------------------


class SurveyKind(models.TextChoices):
    CSAT = "csat", "Satisfaction after a ticket"
    NPS = "nps", "Relationship survey"


class SurveyRequest(models.Model):
    """One survey e-mailed to one person; answered through a signed link, no login."""

    kind = models.CharField(max_length=4, choices=SurveyKind.choices)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="surveys")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(
        "desk.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    scale = models.PositiveSmallIntegerField(help_text="Highest rating: 5 for CSAT, 10 for NPS")
    period = models.CharField(max_length=10, blank=True, help_text="NPS: the quarter, 2026Q4")
    sent_at = models.DateTimeField()
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at"]
        indexes = [models.Index(fields=["person", "sent_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"], condition=models.Q(kind="csat"), name="one_csat_per_ticket"
            ),
            models.UniqueConstraint(
                fields=["person", "period"], condition=models.Q(kind="nps"),
                name="one_nps_per_person_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.person_id}"
