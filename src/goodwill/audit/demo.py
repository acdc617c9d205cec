"""Demo audit trail: a few weeks of the changes a small team makes, so the Audit log and the
History sections have something to show. The demo itself runs with auditlog switched off
(demo.generator), so these entries are written directly, each marked {"demo": true} so a
reset removes them and nothing else.

Every entry ends at the record's current value (a fee raised *to* what the contract says now),
so the history agrees with the pages it sits on.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from goodwill.accounts.models import StaffRole
from goodwill.billing.models import BillingProfile
from goodwill.clients.models import PersonRole
from goodwill.contracts.models import Contract

DEMO = {"demo": True}


def _entry(obj: Any, actor: Any, when: dt.datetime, changes: dict, action: int) -> LogEntry:
    return LogEntry(
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_pk=str(obj.pk),
        object_id=obj.pk,
        object_repr=str(obj)[:2000],
        action=action,
        changes=changes,
        actor=actor,
        actor_email=actor.email or None,
        timestamp=when,
        additional_data=DEMO,
        serialized_data=LogEntry.objects._get_serialized_data_or_none(obj),
    )


def seed(context: Any) -> str:
    rng = random.Random(context.seed * 31 + 9)  # noqa: S311 (demo data, not secrets)  # nosec B311
    by_role: dict[str, list[Any]] = {}
    for user in context.staff.values():
        by_role.setdefault(user.role, []).append(user)
    managers = by_role.get(StaffRole.ACCOUNT_MANAGER) or list(context.staff.values())
    bookkeeper = (by_role.get(StaffRole.BOOKKEEPER) or managers)[0]

    def moment() -> dt.datetime:
        return context.now - dt.timedelta(days=rng.randint(1, 40), minutes=rng.randint(0, 600))

    update, create = LogEntry.Action.UPDATE, LogEntry.Action.CREATE
    entries = []
    for contract in Contract.objects.select_related("client").order_by("pk")[:8]:
        old_fee = (contract.fee * Decimal("0.92")).quantize(Decimal("1.00"))
        entries.append(
            _entry(contract, rng.choice(managers), moment(),
                   {"fee": [str(old_fee), str(contract.fee)]}, update)
        )  # fmt: skip
    for profile in BillingProfile.objects.select_related("client").order_by("pk")[:4]:
        old_terms = 14 if profile.payment_terms_days != 14 else 30
        entries.append(
            _entry(profile, bookkeeper, moment(),
                   {"payment_terms_days": [str(old_terms), str(profile.payment_terms_days)]},
                   update)
        )  # fmt: skip
    roles = PersonRole.objects.select_related("person").filter(dismissed_at__isnull=True)
    for role in roles.order_by("pk")[:6]:
        entries.append(
            _entry(role, rng.choice(managers), moment(),
                   {"role": ["None", role.role], "person": ["None", str(role.person_id)]},
                   create)
        )  # fmt: skip
    LogEntry.objects.bulk_create(entries)
    return f"audit: {len(entries)} changes by the team in the audit log"


def delete() -> None:
    LogEntry.objects.filter(additional_data__demo=True).delete()
