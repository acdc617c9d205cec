"""Staff accounts: who works here and what their role lets them do."""

from __future__ import annotations

from django.db import transaction

from goodwill.accounts.models import StaffRole, User


class LastOwnerError(Exception):
    """Raised when a change would leave the installation with no active owner."""


def _would_remove_last_owner(user: User) -> bool:
    if user.role != StaffRole.OWNER or user.is_superuser:
        return False
    other_owners = (
        User.objects.filter(is_active=True)
        .filter(role=StaffRole.OWNER)
        .exclude(pk=user.pk)
        .exists()
    )
    return not other_owners and not User.objects.filter(is_active=True, is_superuser=True).exists()


@transaction.atomic
def change_role(user: User, role: str, *, active: bool) -> User:
    """Set a staff member's role and whether they can sign in; never lock out the last owner."""
    StaffRole(role)
    if (role != StaffRole.OWNER or not active) and _would_remove_last_owner(user):
        raise LastOwnerError(
            f"{user} is the only owner: make someone else an owner before changing this."
        )
    user.role = role
    user.is_active = active
    user.save(update_fields=["role", "is_active"])
    return user


def create_staff(
    *, username: str, email: str, first_name: str, last_name: str, role: str, password: str
) -> User:
    StaffRole(role)
    return User.objects.create_user(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        role=role,
        password=password,
    )
