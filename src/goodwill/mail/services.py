"""What staff do with incoming mail that needs a person: retry, discard, or say who the sender is.

Nothing is ever deleted: a discarded message keeps its raw bytes and its row, with who
discarded it and when.
"""

from __future__ import annotations

import re

import nh3
from django.db import transaction
from django.utils import timezone

from goodwill.accounts.models import User
from goodwill.clients.models import Client, Person
from goodwill.mail import intake
from goodwill.mail.models import InboundMail, InboundStatus

ACTIONABLE = (InboundStatus.QUARANTINED, InboundStatus.TRIAGE)


class MailActionError(ValueError):
    """An action that does not apply to this message, with a message for staff."""


def retry(inbound: InboundMail, *, by_user: User) -> InboundMail:
    if inbound.status not in ACTIONABLE:
        raise MailActionError(f"This message was already handled ({inbound.get_status_display()}).")
    return intake.process(inbound, retry=True)


@transaction.atomic
def discard(inbound: InboundMail, *, by_user: User) -> InboundMail:
    row = InboundMail.objects.select_for_update().get(pk=inbound.pk)
    if row.status not in ACTIONABLE:
        raise MailActionError(f"This message was already handled ({row.get_status_display()}).")
    stamp = f"Discarded by {by_user} on {timezone.localtime():%d %b %Y %H:%M}."
    row.reason = f"{row.reason}\n{stamp}".strip()
    row.status = InboundStatus.DISCARDED
    row.save(update_fields=["status", "reason"])
    return row


def assign_sender(inbound: InboundMail, client: Client, *, by_user: User) -> InboundMail:
    """The sender of a triaged message works at `client`: add them (flagged for role review)
    and process their waiting messages, this one first."""
    address = inbound.from_address.strip().lower()
    if inbound.status != InboundStatus.TRIAGE:
        raise MailActionError("Only a message waiting in triage can be assigned to a client.")
    if not address or "@" not in address:
        raise MailActionError("This message has no sender address to add.")
    with transaction.atomic():
        person = intake.IntakeCache().person(address)
        if person is None:
            person = intake._new_person(client, address, inbound.from_name)
        elif person.client_id != client.pk:
            raise MailActionError(
                f"{address} is already {person} at {person.client}; not moved to {client}."
            )
    waiting = InboundMail.objects.filter(
        status=InboundStatus.TRIAGE, from_address=inbound.from_address
    ).order_by("pk")
    result = inbound
    for row in [inbound, *waiting.exclude(pk=inbound.pk)]:
        done = intake.process(row, retry=True)
        if row.pk == inbound.pk:
            result = done
    return result


def person_for(inbound: InboundMail) -> Person | None:
    return intake.IntakeCache().person(inbound.from_address) if inbound.from_address else None


# --- Showing mail to staff ---------------------------------------------------------------------

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del",
    "div", "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
    "li", "ol", "p", "pre", "q", "s", "small", "span", "strike", "strong", "sub", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "center",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"style", "title", "align", "dir", "lang"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "width", "valign", "bgcolor"},
    "th": {"colspan", "rowspan", "width", "valign", "bgcolor"},
    "table": {"width", "border", "cellpadding", "cellspacing", "bgcolor"},
    "font": {"color", "size", "face"},
}
_CSS_URL = re.compile(r"url\s*\(|expression\s*\(|@import", re.IGNORECASE)


def sanitise_html(html: str, *, load_images: bool = False) -> tuple[str, int]:
    """HTML safe to show staff, and how many remote images were held back.

    nh3 (ammonia) removes scripts, event handlers, forms, iframes and javascript: links.
    Remote images are tracking pixels as often as content: their src is dropped unless staff
    asked to load them; inline styles lose url(), so CSS cannot fetch anything either.
    """
    blocked = 0

    def attribute_filter(tag: str, attribute: str, value: str) -> str | None:
        nonlocal blocked
        if attribute == "style":
            return None if _CSS_URL.search(value) else value
        if tag == "img" and attribute == "src":
            if value.startswith(("http://", "https://", "//")):
                if load_images:
                    return value
                blocked += 1
                return None
            return None  # cid: parts and anything else: not fetched
        return value

    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        attribute_filter=attribute_filter,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return clean, blocked
