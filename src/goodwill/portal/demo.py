"""Demo portal logins: the boss, the PA, the financial director and an ordinary user at one
demo client, with one known password, written to DATA_DIR/demo-portal-logins.txt (beside the
staff logins, which the demo writes after its extensions) and returned for the demo's summary.
"""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password

from goodwill.accounts.models import User
from goodwill.clients.models import Client, Person, StakeholderRole
from goodwill.portal.services import account_for

LOGINS_FILE = "demo-portal-logins.txt"
ROLES = (
    ("boss", StakeholderRole.DECISION_MAKER),
    ("PA", StakeholderRole.GATEKEEPER),
    ("FD", StakeholderRole.BILLING),
)
ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _cast(client: Client) -> list[tuple[str, Person]] | None:
    people = Person.objects.filter(client=client, is_active=True).exclude(email="")
    chosen: list[tuple[str, Person]] = []
    for label, role in ROLES:
        person = people.with_role(role).order_by("pk").first()
        if person is None:
            return None
        chosen.append((label, person))
    taken = [p.pk for _, p in chosen]
    ordinary = people.filter(roles__isnull=True).exclude(pk__in=taken).order_by("pk").first()
    if ordinary is None:
        return None
    return [*chosen, ("user", ordinary)]


def _pick() -> tuple[Client, list[tuple[str, Person]]] | None:
    # The first client (by id) with all four: deterministic for a seed, and quick at 500
    # clients because it stops at the first match.
    for client in Client.objects.filter(is_active=True).order_by("pk")[:200]:
        cast = _cast(client)
        if cast is not None:
            return client, cast
    return None


def logins_text(client: Client, cast: list[tuple[str, Person]], password: str) -> str:
    port = os.environ.get("PORT", "8000")
    lines = [
        f"Portal logins at {client.name} (sign in with e-mail and password, or ask for a link)",
        f"URL:      http://127.0.0.1:{port}/portal/",
        f"Password: {password}",
        "",
    ]
    lines += [f"{label:<5} {person.full_name:<22} {person.email}" for label, person in cast]
    return "\n".join(lines) + "\n"


def seed(context: Any) -> str:
    picked = _pick()
    if picked is None:
        return "Portal: no demo client has a boss, a PA, an FD and an ordinary user; no logins."
    client, cast = picked
    rng = random.Random(context.seed)  # noqa: S311 (a demo password, shown to the user)  # nosec B311
    password = "".join(rng.choice(ALPHABET) for _ in range(14))
    hashed = make_password(password)  # once: argon2 is slow on purpose
    for _label, person in cast:
        Person.objects.filter(pk=person.pk).update(portal_access=True)
        person.portal_access = True
        account = account_for(person)
        User.objects.filter(pk=account.user_id).update(password=hashed)
    text = logins_text(client, cast, password)
    path = Path(settings.DATA_DIR) / LOGINS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    return text.rstrip("\n")


def delete() -> None:
    # Portal accounts go with their people; their logins (users without a staff role) do not.
    User.objects.filter(portal_account__isnull=False).delete()
    path = Path(settings.DATA_DIR) / LOGINS_FILE
    path.unlink(missing_ok=True)
