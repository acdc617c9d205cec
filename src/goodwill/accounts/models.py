from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models


class StaffRole(models.TextChoices):
    OWNER = "owner", "Owner / admin"
    ACCOUNT_MANAGER = "account_manager", "Account manager"
    TECHNICIAN = "technician", "Technician"
    BOOKKEEPER = "bookkeeper", "Bookkeeper"


class User(AbstractUser):
    """A login. Staff have a role; client people (portal logins, later) have none."""

    role = models.CharField(max_length=20, choices=StaffRole.choices, blank=True)
    time_zone = models.CharField(max_length=64, default=settings.TIME_ZONE)

    class Meta:
        ordering = ["first_name", "last_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_goodwill_staff(self) -> bool:
        return self.is_active and (bool(self.role) or self.is_superuser)

    @property
    def effective_role(self) -> str:
        """Superusers act as owners whatever their stored role."""
        return StaffRole.OWNER if self.is_superuser else self.role

    @property
    def role_label(self) -> str:
        role = self.effective_role
        return StaffRole(role).label if role else "No staff role"

    @property
    def initials(self) -> str:
        parts = [p for p in (self.first_name, self.last_name) if p]
        return "".join(p[0] for p in parts).upper() or self.username[:2].upper()
