"""Staff account security: two-factor sign-in (TOTP), recovery codes and ending sessions.

A staff member's second factor is a confirmed django-otp TOTP device; recovery codes are the
tokens of one django-otp static device, stored as keyed hashes so a copy of the database does
not give them away. A session counts as fully signed in once `django_otp.login` recorded the
device that checked the code (`request.user.is_verified()`); `staff_required` insists on it.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from goodwill.accounts.models import StaffRole, User

TOTP_NAME = "Staff authenticator"
RECOVERY_NAME = "Recovery codes"
RECOVERY_CODES = 10
_TOTP_CODE = re.compile(r"^\d{6}$")


def authenticator(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_two_factor(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def is_verified(request: HttpRequest) -> bool:
    check = getattr(request.user, "is_verified", None)  # installed by OTPMiddleware
    return bool(check and check())


def needs_second_step(request: HttpRequest) -> bool:
    """Signed in with a password only, though the account has two-factor sign-in."""
    user = request.user
    return bool(user.is_authenticated and not is_verified(request) and has_two_factor(user))


def must_set_up(user: Any) -> bool:
    """The installation asks owners for two-factor sign-in, and this owner has none yet."""
    return bool(
        settings.GOODWILL_REQUIRE_2FA_FOR_OWNERS
        and user.effective_role == StaffRole.OWNER
        and not has_two_factor(user)
    )


# --- Setting up and switching off ---------------------------------------------------------------


def pending_authenticator(user: User) -> TOTPDevice:
    """The not-yet-confirmed device being set up (the same one until confirmed, so the QR code
    does not change on every reload)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False, name=TOTP_NAME).first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def secret_text(device: TOTPDevice) -> str:
    """The key for typing into an app by hand, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode")


@transaction.atomic
def confirm_authenticator(request: HttpRequest, device: TOTPDevice, code: str) -> list[str] | None:
    """Switch two-factor sign-in on when the code is right; returns the first recovery codes.

    This session typed a valid code, so it counts as verified from now on."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if not device.verify_token(normalise(code)):
        return None
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    mark_verified(request, device)
    return new_recovery_codes(device.user)


@transaction.atomic
def switch_off(user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


@transaction.atomic
def reset_for(member: User) -> None:
    """An owner clears a lost device: the member signs in with the password alone next time,
    and every session they have ends (whoever holds the lost phone might be signed in)."""
    switch_off(member)
    end_sessions(member)


# --- Recovery codes -----------------------------------------------------------------------------


def normalise(code: str) -> str:
    return re.sub(r"[^0-9a-z]", "", (code or "").lower())


def _recovery(code: str) -> str:
    # Recovery codes are base32 (no 0, 1, 8 or 9): a typed zero meant the letter o.
    return normalise(code).replace("0", "o")


def _stored(code: str) -> str:
    # StaticToken.token holds at most 16 characters: 64 bits of a keyed hash is plenty for codes
    # that are throttled and used once.
    return salted_hmac("goodwill.accounts.recovery-code", _recovery(code)).hexdigest()[:16]


@transaction.atomic
def new_recovery_codes(user: User) -> list[str]:
    """Ten fresh one-time codes; the old ones stop working. Shown once, stored hashed."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = StaticToken.random_token()  # 8 base32 characters, 40 random bits
        codes.append(f"{raw[:4]}-{raw[4:]}")
    StaticToken.objects.bulk_create(StaticToken(device=device, token=_stored(c)) for c in codes)
    return codes


def recovery_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# --- The second sign-in step --------------------------------------------------------------------


class Throttled(Exception):
    """Too many wrong codes lately: django-otp makes each further try wait twice as long."""


@transaction.atomic
def check_code(user: User, code: str) -> Device | None:
    """The device that accepts this code (the app's six digits or a recovery code), or None.

    Rows are locked so two requests cannot both use one recovery code or one time step."""
    value = normalise(code)
    if _TOTP_CODE.match(value):
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        token = value
    else:
        device = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        token = _stored(value)
    if device is None or not value:
        return None
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        raise Throttled
    return device if device.verify_token(token) else None


def mark_verified(request: HttpRequest, device: Device) -> None:
    """Record in the session which device checked the code: the session is now fully signed in."""
    otp_login(request, device)


# --- Sessions -----------------------------------------------------------------------------------


def end_sessions(user: User) -> None:
    """End every session of this user: each stored session's auth hash stops matching."""
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])


def end_other_sessions(request: HttpRequest) -> None:
    """End every session of the signed-in user except this one (which stays verified)."""
    user = request.user
    end_sessions(user)
    update_session_auth_hash(request, user)
