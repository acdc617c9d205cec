"""Bearer tokens: made here, shown once, stored as a SHA-256 digest, and who they act for."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from goodwill.accounts.models import StaffRole, User
from goodwill.accounts.permissions import can
from goodwill.audit import services as audit
from goodwill.clients.models import Person
from goodwill.portal.models import PortalAccount

from .models import ApiToken

TOKEN_PREFIX = "gw_"  # noqa: S105 (a prefix, not a secret)  # nosec B105
# last_used_at is written at most this often per token: no write on every request.
TOUCH_EVERY = dt.timedelta(minutes=5)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_token(
    *,
    name: str,
    user: User | None = None,
    portal_account: PortalAccount | None = None,
    created_by: User | None = None,
) -> tuple[ApiToken, str]:
    """A new token and its secret. The secret exists only in the return value."""
    if (user is None) == (portal_account is None):
        raise ValueError("A token belongs to exactly one of a staff user or a portal account.")
    if user is not None and not user.is_goodwill_staff:
        raise ValueError(f"{user} is not a member of staff with a role.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name.strip()[:100] or "API token",
        prefix=secret[:10],
        digest=digest(secret),
        user=user,
        portal_account=portal_account,
        created_by=created_by,
    )
    return token, secret


def revoke(token: ApiToken, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    revoked = bool(
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    )
    if revoked:
        # update() sends no signals: the audit trail hears of the revocation from here.
        audit.record_change(token, {"revoked_at": (None, now)})
    return revoked


@dataclass
class Principal:
    """Who an API call acts for: a staff user (by role) or a person at a client."""

    token: ApiToken
    user: User
    person: Person | None = None

    @property
    def is_staff(self) -> bool:
        return self.person is None

    @property
    def is_admin(self) -> bool:
        return self.is_staff and self.user.effective_role == StaffRole.OWNER

    def can(self, capability: str) -> bool:
        return self.is_staff and can(self.user, capability)


def principal_for(secret: str) -> Principal | None:
    if not secret or len(secret) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user", "portal_account__person", "portal_account__user")
        .filter(digest=digest(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.user is not None:
        if not token.user.is_goodwill_staff:
            return None
        principal = Principal(token=token, user=token.user)
    else:
        account = token.portal_account
        if account is None or not account.can_sign_in:
            return None
        principal = Principal(token=token, user=account.user, person=account.person)
    if token.last_used_at is None or token.last_used_at < now - TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return principal


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Principal | None:
        principal = principal_for(token)
        if principal is not None:
            request.principal = principal  # type: ignore[attr-defined]
            # No session, so the audit middleware saw nobody: the token's owner made the changes.
            audit.act_as(principal.user)
        return principal
