"""Portal logins for the people at clients, and each client's portal policy.

A PortalAccount ties a clients.Person to an accounts.User that has no staff role, so the staff
pages refuse it (accounts.permissions.can is False for it) and the portal pages accept only it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from goodwill.clients.models import Client, Person


class PortalAccount(models.Model):
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="portal_account")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_account"
    )
    # Every sign-in link carries the counter it was made with; using one bumps the counter with
    # a conditional UPDATE, so each link works once and older unused links stop working too.
    link_counter = models.PositiveIntegerField(default=0)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    invited_at = models.DateTimeField(null=True, blank=True)
    last_login_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Portal login of {self.person}"

    @property
    def can_sign_in(self) -> bool:
        person = self.person
        return person.is_active and person.portal_access and self.user.is_active


class PortalPolicy(models.Model):
    """What a client's people may see of each other's tickets. No row means the defaults."""

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="portal_policy")
    boss_sees_colleagues = models.BooleanField(
        default=True, help_text="The boss sees every ticket of the company."
    )
    pa_sees_colleagues = models.BooleanField(
        default=True, help_text="The PA sees every ticket of the company."
    )
    everyone_sees_colleagues = models.BooleanField(
        default=False, help_text="Everyone at the company sees every ticket of the company."
    )

    class Meta:
        verbose_name_plural = "portal policies"

    def __str__(self) -> str:
        return f"Portal policy of {self.client}"
