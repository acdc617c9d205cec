"""The demo's audit trail: a few weeks of the team's changes, ending at today's values; the demo
data itself writes no entries, and a reset replaces the demo's entries without touching others."""

from __future__ import annotations

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from goodwill.accounts.models import User
from goodwill.contracts.models import Contract
from goodwill.demo.generator import DemoOptions, generate

TODAY = dt.date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


@pytest.mark.django_db
def test_the_demo_has_a_believable_audit_trail_and_a_reset_replaces_it(client):
    options = DemoOptions(clients=6, tickets=60, today=TODAY, write_logins=False)
    generate(options)
    entries = LogEntry.objects.all()
    assert entries.count() == entries.filter(additional_data__demo=True).count() > 0
    assert not entries.filter(actor__isnull=True).exists()
    fee_change = entries.filter(changes__has_key="fee").first()
    contract = Contract.objects.get(pk=fee_change.object_id)
    assert fee_change.changes["fee"][1] == str(contract.fee)

    owner = User.objects.get(username="sam")
    client.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(contract.get_absolute_url()).content.decode()
    assert f"{fee_change.actor}</strong> changed contract" in page
    assert client.get(reverse("audit:log")).status_code == 200

    kept = LogEntry.objects.create(
        content_type=fee_change.content_type, object_pk="1", object_repr="not the demo's",
        action=LogEntry.Action.UPDATE,
    )  # fmt: skip
    before = entries.filter(additional_data__demo=True).count()
    generate(DemoOptions(clients=6, tickets=60, today=TODAY, write_logins=False, reset=True))
    assert LogEntry.objects.filter(additional_data__demo=True).count() == before
    assert LogEntry.objects.filter(pk=kept.pk).exists()
