from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse

from goodwill.core.models import TimeStamped
from goodwill.core.timezones import validate_time_zone


class Client(TimeStamped):
    """A company under (or considering) contract."""

    name = models.CharField(max_length=200)
    email_domains = models.CharField(
        max_length=500,
        blank=True,
        help_text="Comma-separated mail domains of this client, e.g. acme.co.uk. "
        "Mail from an unknown sender at these domains is filed under this client.",
    )
    phone = models.CharField(max_length=50, blank=True)
    website = models.URLField(blank=True)
    address = models.TextField(blank=True)
    country = models.CharField(max_length=2, default="GB", help_text="ISO 3166 country code")
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_clients",
        limit_choices_to={"is_active": True},
    )
    notes = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="client_name_unique_ci",
                violation_error_message="A client with this name already exists.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("clients:detail", args=[self.pk])

    @property
    def domain_list(self) -> list[str]:
        return [d.strip().lower() for d in self.email_domains.split(",") if d.strip()]


class Site(TimeStamped):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="sites")
    name = models.CharField(max_length=120)
    address = models.TextField(blank=True)
    time_zone = models.CharField(
        max_length=64, default=settings.TIME_ZONE, validators=[validate_time_zone]
    )
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "name"],
                name="site_name_unique_per_client",
                violation_error_message="This client already has a site with this name.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StakeholderRole(models.TextChoices):
    """The people who decide whether the contract is renewed."""

    DECISION_MAKER = "decision_maker", "The boss"
    GATEKEEPER = "gatekeeper", "The PA"
    BILLING = "billing", "Financial director"
    COMPLAINER = "complainer", "The complainer"


# The roles that decide the renewal (the complainer is loud, not decisive).
KEY_ROLES = (StakeholderRole.DECISION_MAKER, StakeholderRole.GATEKEEPER, StakeholderRole.BILLING)

class Language(models.TextChoices):
    EN = "en", "English"
    FR = "fr", "Français"
    DE = "de", "Deutsch"
    ES = "es", "Español"
    IT = "it", "Italiano"
    NL = "nl", "Nederlands"
    PT = "pt", "Português"
    PL = "pl", "Polski"


class PersonQuerySet(models.QuerySet["Person"]):
    def with_role(self, role: str) -> PersonQuerySet:
        return self.filter(roles__role=role, roles__dismissed_at__isnull=True)


class Person(TimeStamped):
    """Someone at a client. Their stakeholder roles live in PersonRole."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="people")
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.SET_NULL, related_name="people"
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    job_title = models.CharField(max_length=120, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    mobile = models.CharField(max_length=50, blank=True)
    time_zone = models.CharField(
        max_length=64, default=settings.TIME_ZONE, validators=[validate_time_zone]
    )
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.EN)
    portal_access = models.BooleanField(
        default=False, help_text="May sign in to the client portal."
    )
    is_active = models.BooleanField(default=True, help_text="Still works at the client.")
    needs_role_review = models.BooleanField(
        default=False, help_text="Created automatically; staff should check their roles."
    )
    # Updated by every touch (call, meeting, reply); the happiness engine reads it.
    last_contact_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["first_name", "last_name"]
        verbose_name_plural = "people"
        constraints = [
            # One address, one person: mail intake matches senders by address.
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="person_email_unique_ci",
                violation_error_message="Someone already has this e-mail address.",
            ),
        ]
        indexes = [models.Index(fields=["client", "is_active"])]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("clients:person", args=[self.pk])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def initials(self) -> str:
        return "".join(p[0] for p in (self.first_name, self.last_name) if p).upper()

    def role_set(self) -> set[str]:
        """Active stakeholder roles (uses the prefetch cache when present)."""
        return {r.role for r in self.roles.all() if r.dismissed_at is None}


class RoleSource(models.TextChoices):
    STAFF = "staff", "Set by staff"
    DETECTED = "detected", "Detected from the data"
    IMPORT = "import", "Imported"


class PersonRole(models.Model):
    """A stakeholder role held by a person. A person may hold several.

    A detected complainer that staff dismiss keeps its row with `dismissed_at` set, so detection
    does not raise it again; every other role is simply deleted when removed.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="roles")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="person_roles")
    role = models.CharField(max_length=20, choices=StakeholderRole.choices)
    source = models.CharField(max_length=10, choices=RoleSource.choices, default=RoleSource.STAFF)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["role"]
        constraints = [
            models.UniqueConstraint(fields=["person", "role"], name="person_role_unique"),
        ]
        indexes = [models.Index(fields=["client", "role"])]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_role_display()}"
