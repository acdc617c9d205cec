"""Portal actions: invitations, sign-in links, and tickets raised or answered by a person."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from goodwill.accounts.models import User
from goodwill.clients.models import Person
from goodwill.core import outbox
from goodwill.core.models import OutboundMessage
from goodwill.desk import services as desk
from goodwill.desk.models import Channel, Message, Ticket
from goodwill.portal.models import PortalAccount

LINK_SALT = "goodwill.portal.sign-in-link"
INVITE_SALT = "goodwill.portal.invitation"
LINK_MAX_AGE = dt.timedelta(minutes=15)
INVITE_MAX_AGE = dt.timedelta(days=7)
# At most this many sign-in links per address per LINK_MAX_AGE: a form cannot flood a mailbox.
LINK_BUDGET = 5


class PortalError(ValueError):
    """A portal request that cannot be carried out, with words for the person who asked."""


def portal_name() -> str:
    return settings.GOODWILL_PORTAL_NAME or settings.GOODWILL_PROVIDER_NAME


def absolute(path: str) -> str:
    return settings.GOODWILL_PORTAL_BASE_URL.rstrip("/") + path


# --- Accounts and invitations ------------------------------------------------------------------


def account_for(person: Person) -> PortalAccount:
    """The person's portal account, created (with no usable password) when missing."""
    existing = PortalAccount.objects.filter(person=person).select_related("user").first()
    if existing is not None:
        return existing
    user = User(
        username=f"portal-{person.pk}-{secrets.token_hex(4)}",
        email=person.email,
        first_name=person.first_name[:150],
        last_name=person.last_name[:150],
        role="",
    )
    user.set_unusable_password()
    user.save()
    return PortalAccount.objects.create(person=person, user=user)


def _link_token(account: PortalAccount, salt: str) -> str:
    return signing.dumps({"a": account.pk, "n": account.link_counter}, salt=salt, compress=True)


@transaction.atomic
def invite(person: Person, *, by_user: User, now: dt.datetime | None = None) -> PortalAccount:
    """Give the person portal access and e-mail them a link to sign in (valid for a week)."""
    if not person.email:
        raise PortalError(f"{person} has no e-mail address to send the invitation to.")
    if not person.is_active:
        raise PortalError(f"{person} no longer works at {person.client}.")
    now = now or timezone.now()
    if not person.portal_access:
        person.portal_access = True
        person.save(update_fields=["portal_access", "updated_at"])
    account = account_for(person)
    account.invited_by, account.invited_at = by_user, now
    account.save(update_fields=["invited_by", "invited_at"])
    url = absolute(reverse("portal:link", args=[_link_token(account, INVITE_SALT)]))
    name = portal_name()
    outbox.enqueue(
        kind="portal.invitation",
        to=[person.email],
        subject=f"Your {name} support portal",
        text=(
            f"Hello {person.first_name},\n\n"
            f"{by_user.get_full_name() or name} has opened a support portal account for you.\n"
            f"There you can report a problem, follow your tickets and answer us.\n\n"
            f"Sign in with this link (it works once, for seven days):\n{url}\n\n"
            f"Later, ask for a new sign-in link at {absolute(reverse('portal:login'))}\n\n"
            f"{name}\n"
        ),
        context=f"person:{person.pk}",
        automatic=False,
        now=now,
    )
    return account


def request_link(email: str, *, now: dt.datetime | None = None) -> bool:
    """E-mail a sign-in link to this address if it has portal access. The caller says the same
    thing either way, so the form does not tell strangers who has an account."""
    now = now or timezone.now()
    email = email.strip()
    account = (
        PortalAccount.objects.select_related("person", "user")
        .filter(person__email__iexact=email)
        .first()
    )
    if account is None or not account.can_sign_in:
        return False
    recent = OutboundMessage.objects.filter(
        kind="portal.sign_in_link",
        recipient=account.person.email.lower(),
        created_at__gte=now - LINK_MAX_AGE,
    ).count()
    if recent >= LINK_BUDGET:
        return False
    url = absolute(reverse("portal:link", args=[_link_token(account, LINK_SALT)]))
    minutes = int(LINK_MAX_AGE.total_seconds() // 60)
    with transaction.atomic():
        outbox.enqueue(
            kind="portal.sign_in_link",
            to=[account.person.email],
            subject=f"Sign in to {portal_name()}",
            text=(
                f"Hello {account.person.first_name},\n\n"
                f"Here is your sign-in link. It works once, for {minutes} minutes:\n{url}\n\n"
                "If you did not ask for it, ignore this message: nobody can sign in without it.\n"
            ),
            context=f"person:{account.person_id}",
            now=now,
        )
    return True


def _payload(token: str) -> dict[str, int]:
    for salt, max_age in ((LINK_SALT, LINK_MAX_AGE), (INVITE_SALT, INVITE_MAX_AGE)):
        try:
            payload = signing.loads(token, salt=salt, max_age=max_age)
        except signing.SignatureExpired as exc:
            raise PortalError("This link is too old. Ask for a new one below.") from exc
        except signing.BadSignature:
            continue
        if isinstance(payload, dict) and all(isinstance(payload.get(k), int) for k in "an"):
            return payload
        break
    raise PortalError("This link is not valid. Ask for a new one below.")


def check_link(token: str) -> PortalAccount:
    """The account a sign-in link (or invitation) is for, without using the link. Raises
    PortalError when it is forged, too old, already used or for someone without access."""
    payload = _payload(token)
    account = (
        PortalAccount.objects.select_related("person", "user")
        .filter(pk=payload["a"], link_counter=payload["n"])
        .first()
    )
    if account is None:
        raise PortalError("This link has already been used. Ask for a new one below.")
    if not account.can_sign_in:
        raise PortalError("This account has no portal access any more.")
    return account


def use_link(token: str) -> PortalAccount:
    """Like check_link, and marks the link used: a conditional UPDATE of the counter it carries,
    so of two requests racing with one link exactly one signs in."""
    account = check_link(token)
    payload = _payload(token)
    used = PortalAccount.objects.filter(pk=account.pk, link_counter=payload["n"]).update(
        link_counter=F("link_counter") + 1
    )
    if not used:
        raise PortalError("This link has already been used. Ask for a new one below.")
    return account


def signed_in(account: PortalAccount, now: dt.datetime | None = None) -> None:
    PortalAccount.objects.filter(pk=account.pk).update(last_login_at=now or timezone.now())


# --- Tickets -----------------------------------------------------------------------------------


@transaction.atomic
def raise_ticket(
    person: Person,
    *,
    subject: str,
    body: str,
    urgency: int | None = None,
    impact: int | None = None,
    files: Iterable[UploadedFile] = (),
) -> Ticket:
    ticket = desk.open_ticket(
        requester=person,
        subject=subject,
        body=body,
        urgency=urgency,
        impact=impact,
        channel=Channel.PORTAL,
    )
    first = ticket.messages.order_by("id").first()
    for upload in files:
        desk.attach(ticket, upload, by_person=person, message=first)
    return ticket


@transaction.atomic
def reply(
    person: Person, ticket: Ticket, *, body: str, files: Iterable[UploadedFile] = ()
) -> Message:
    message = desk.reply(ticket, body, by_person=person, channel=Channel.PORTAL)
    for upload in files:
        desk.attach(ticket, upload, by_person=person, message=message)
    return message
