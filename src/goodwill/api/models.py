"""API tokens, the ids records were imported under, and outbound webhooks with their log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from goodwill.core.models import Claimable


class ApiToken(models.Model):
    """A bearer token. Only the SHA-256 of the secret is stored; the secret is shown once.

    Its owner is a staff user (the token can do what the user's role can) or a person's portal
    account (the token sees that person's client, as the portal does)."""

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, help_text="The first characters, to recognise it.")
    digest = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    portal_account = models.ForeignKey(
        "portal.PortalAccount", null=True, blank=True, on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False, portal_account__isnull=True)
                | models.Q(user__isnull=True, portal_account__isnull=False),
                name="api_token_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ExternalRef(models.Model):
    """The id a record had in the desk it was imported from: importing it again finds it."""

    kind = models.CharField(max_length=20)  # client, person, ticket, message, survey_answer
    external_id = models.CharField(max_length=200)
    object_id = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "external_id"], name="external_ref_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.external_id} → {self.object_id}"


class WebhookEvent(models.TextChoices):
    TICKET_CREATED = "ticket.created", "A ticket was opened"
    TICKET_UPDATED = "ticket.updated", "A ticket changed"
    HEALTH_CHANGED = "health.changed", "A client's health changed"
    INVOICE_OVERDUE = "invoice.overdue", "An invoice became overdue"
    BOOKING_CREATED = "booking.created", "A booking was made"


class WebhookSubscription(models.Model):
    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100, help_text="Signs each delivery (HMAC-SHA256).")
    events = models.JSONField(default=list, help_text="Event types this subscription receives.")
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class WebhookDelivery(Claimable):
    """One event on its way to one subscription: claimed, sent and recorded like the outbox."""

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=30, choices=WebhookEvent.choices)
    # Unique per subscription: the same event reported twice is delivered once.
    event_key = models.CharField(max_length=200)
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    delivered_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event_key"], name="webhook_delivery_once"
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                name="webhook_delivery_due",
                condition=models.Q(status="queued"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription}"


class WebhookMark(models.Model):
    """How far the webhook job has looked at other apps' tables: the last booking id seen, and
    each client's last health band (`name` = "booking" or "health:<client id>")."""

    name = models.CharField(max_length=40, unique=True)
    value = models.CharField(max_length=40)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"
