"""Signals: everything that says something about how a person feels about the service.

One table is the single input of every score (person happiness, client health, the complainer
radar). Other apps never import this module: they call `goodwill.happiness.signals.record_signal`
from their services.
"""

from __future__ import annotations

from django.db import models

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
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value:+.2f} ({self.source})"
