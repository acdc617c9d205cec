from __future__ import annotations

import datetime as dt
import io
import stat
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count
from django.db.models.functions import Lower

from goodwill.accounts.models import StaffRole, User
from goodwill.clients.models import Client, Person, PersonRole, Site, StakeholderRole
from goodwill.contracts.models import Contract, ContractStatus, SLAPolicy
from goodwill.contracts.status import with_status
from goodwill.demo.generator import (
    LOGINS_FILE,
    STAFF,
    DemoDataExists,
    DemoOptions,
    DemoResult,
    generate,
)

TODAY = dt.date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


def run(**kwargs: object) -> DemoResult:
    kwargs.setdefault("today", TODAY)
    return generate(DemoOptions(**kwargs))  # type: ignore[arg-type]


def snapshot() -> list[tuple[object, ...]]:
    """Everything the demo writes, keyed by natural values (primary keys differ between runs)."""
    rows: list[tuple[object, ...]] = []
    rows += Client.objects.values_list(
        "name", "email_domains", "phone", "website", "address", "country",
        "account_manager__username", "notes", "is_active",
    ).order_by("name")
    rows += Site.objects.values_list(
        "client__name", "name", "address", "time_zone", "is_primary"
    ).order_by("client__name", "name")
    rows += Person.objects.values_list(
        "email", "client__name", "site__name", "first_name", "last_name", "job_title", "phone",
        "mobile", "time_zone", "language", "portal_access", "is_active", "last_contact_at",
    ).order_by("email")
    rows += PersonRole.objects.values_list(
        "person__email", "role", "source", "confirmed_at", "assigned_by__username"
    ).order_by("person__email", "role")
    rows += Contract.objects.values_list(
        "client__name", "name", "state", "start_date", "end_date", "renewal_date",
        "notice_days", "auto_renew", "fee", "billing_cycle", "included_hours", "seats",
        "sla_policy__name", "notes",
    ).order_by("client__name", "start_date", "name")
    return rows


@pytest.mark.django_db
def test_default_demo_covers_every_role_and_status() -> None:
    result = run()

    assert result.clients == Client.objects.count() == 30
    assert Person.objects.count() == 30 * 8
    roles = set(PersonRole.objects.values_list("role", flat=True))
    assert roles == set(StakeholderRole.values)
    statuses = set(with_status(Contract.objects.all(), TODAY).values_list("status", flat=True))
    assert statuses == set(ContractStatus.values)
    assert all(result.statuses[s] > 0 for s in ContractStatus.values)
    # The empty state shows somewhere: a client without a financial director.
    assert Client.objects.exclude(person_roles__role=StakeholderRole.BILLING).exists()
    # Somebody wears two hats.
    assert PersonRole.objects.values("person").annotate(n=Count("id")).filter(n=2).exists()
    # A boss almost everywhere.
    with_boss = Client.objects.filter(person_roles__role=StakeholderRole.DECISION_MAKER)
    assert with_boss.distinct().count() >= 27


@pytest.mark.django_db
def test_realistic_values() -> None:
    run(clients=20)

    for contract in Contract.objects.all():
        assert Decimal(300) <= contract.monthly_value <= Decimal(6000), contract
        assert contract.start_date <= contract.end_date < contract.renewal_date
        assert contract.notice_deadline == contract.renewal_date - dt.timedelta(
            days=contract.notice_days
        )
        assert contract.sla_policy is not None
    assert set(SLAPolicy.objects.values_list("name", flat=True)) >= {
        "Essential", "Standard", "Premium",
    }
    premium = SLAPolicy.objects.get(name="Premium")
    assert all(t.key_first_response_minutes for t in premium.targets.all())
    assert premium.calendar.closures.exists()
    assert premium.calendar.public_holidays([2026])
    for client in Client.objects.annotate(n=Count("sites")):
        assert 1 <= client.n <= 3
    assert Person.objects.filter(is_active=False).exists()
    assert Person.objects.filter(portal_access=True).exists()
    contacted = Person.objects.exclude(last_contact_at=None).values_list(
        "last_contact_at", flat=True
    )
    assert contacted
    for moment in contacted:
        assert 0 <= (TODAY - moment.date()).days <= 120
    # Every client is managed by an account manager or the owner.
    assert set(Client.objects.values_list("account_manager__role", flat=True)) <= {
        StaffRole.ACCOUNT_MANAGER, StaffRole.OWNER,
    }


@pytest.mark.django_db
def test_emails_and_names_are_unique() -> None:
    run(clients=40, people=900)

    emails = list(Person.objects.values_list(Lower("email"), flat=True))
    assert len(emails) == len(set(emails)) == 900
    assert all(e.split("@")[1].endswith(".example") for e in emails)
    for person in Person.objects.select_related("client")[:200]:
        assert person.email.split("@")[1] in person.client.domain_list
    domains = list(Client.objects.values_list("email_domains", flat=True))
    assert len(domains) == len(set(domains))
    names = list(Client.objects.values_list(Lower("name"), flat=True))
    assert len(names) == len(set(names))


@pytest.mark.django_db
def test_same_seed_same_data_other_seed_other_data() -> None:
    run(clients=12, seed=7)
    first = snapshot()
    run(clients=12, seed=7, reset=True)
    assert snapshot() == first
    run(clients=12, seed=8, reset=True)
    assert snapshot() != first


@pytest.mark.django_db
@pytest.mark.parametrize(("clients", "people"), [(12, 100), (12, 0), (5, 3), (3, 250)])
def test_people_option_is_honoured(clients: int, people: int) -> None:
    call_command("demo", clients=clients, people=people, quiet=True, stdout=io.StringIO())

    assert Client.objects.count() == clients
    assert Person.objects.count() == people


@pytest.mark.django_db
def test_refuses_to_run_over_existing_data_without_reset() -> None:
    call_command("demo", clients=4, quiet=True, stdout=io.StringIO())
    before = snapshot()

    with pytest.raises(CommandError, match="--reset"):
        call_command("demo", clients=4, seed=1, quiet=True, stdout=io.StringIO())
    with pytest.raises(DemoDataExists):
        run(clients=4)
    assert snapshot() == before

    call_command("demo", clients=6, reset=True, quiet=True, stdout=io.StringIO())
    assert Client.objects.count() == 6
    assert User.objects.filter(username="sam").count() == 1


@pytest.mark.django_db
def test_reset_keeps_other_user_accounts() -> None:
    User.objects.create_user("operator", password="x")
    run(clients=3)
    run(clients=3, reset=True)
    assert User.objects.filter(username="operator").exists()


@pytest.mark.django_db
def test_staff_and_logins_file(_data_dir: Path) -> None:
    out = io.StringIO()
    call_command("demo", clients=12, quiet=True, stdout=out)

    path = _data_dir / LOGINS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert "http://127.0.0.1:8000/" in text
    password = text.split("Password: ")[1].split()[0]
    assert len(password) >= 16
    # Portal logins (portal/demo.py) are users without a staff role.
    staff_roles = User.objects.exclude(role="").values_list("role", flat=True)
    assert set(staff_roles) == set(StaffRole.values)
    sam = User.objects.get(username="sam")
    assert (sam.first_name, sam.last_name, sam.role) == ("Sam", "Taylor", StaffRole.OWNER)
    for spec in STAFF:
        assert spec.username in text
        assert User.objects.get(username=spec.username).check_password(password)
    # One hash for everyone.
    assert User.objects.filter(username__in=[s.username for s in STAFF]).values(
        "password"
    ).distinct().count() == 1
    printed = out.getvalue()
    assert password in printed and "12 clients" in printed and "Done in" in printed


@pytest.mark.django_db
def test_a_small_demo_seeds_every_area_and_says_what_it_made() -> None:
    # How long it takes is measured by bench/demo_seed.py, not asserted in a test.
    from goodwill.demo.generator import DEMO_EXTENSIONS

    result = run(clients=12)
    assert result.people == 96
    assert len(result.extensions) == len(DEMO_EXTENSIONS)
    assert all(line.strip() for line in result.extensions)
