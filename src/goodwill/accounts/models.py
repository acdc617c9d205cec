from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.crypto import salted_hmac


class StaffRole(models.TextChoices):
    OWNER = "owner", "Owner / admin"
    ACCOUNT_MANAGER = "account_manager", "Account manager"
    TECHNICIAN = "technician", "Technician"
    BOOKKEEPER = "bookkeeper", "Bookkeeper"


class User(AbstractUser):
    """A login. Staff have a role; client people (portal logins, later) have none."""

    role = models.CharField(max_length=20, choices=StaffRole.choices, blank=True)
    time_zone = models.CharField(max_length=64, default=settings.TIME_ZONE)
    # Part of every session's auth hash: raising it ends all sessions signed in before, whatever
    # the session engine (database, cache, signed cookies), without changing the password.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["first_name", "last_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def get_session_auth_hash(self) -> str:
        return self._session_hash(secret=None)

    def get_session_auth_fallback_hash(self):
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(secret=secret)

    def _session_hash(self, secret: str | None) -> str:
        # Generation 0 hashes exactly as Django does, so sessions from before this field survive.
        value = (
            self.password
            if not self.session_generation
            else (f"{self.password}:{self.session_generation}")
        )
        return salted_hmac(
            "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
            value,
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

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
