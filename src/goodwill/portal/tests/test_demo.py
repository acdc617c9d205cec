"""Demo portal logins: a boss, a PA, an FD and an ordinary user at one client, one password."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse

from goodwill.demo.generator import DemoOptions, generate, summary_text
from goodwill.portal.demo import LOGINS_FILE
from goodwill.portal.models import PortalAccount

pytestmark = pytest.mark.django_db


def test_the_demo_makes_four_portal_logins_that_work(settings, tmp_path: Path, client):
    settings.DATA_DIR = tmp_path
    result = generate(DemoOptions(clients=6, tickets=60, today=dt.date(2026, 3, 10)))
    accounts = PortalAccount.objects.select_related("person")
    assert accounts.count() == 4
    assert len({a.person.client_id for a in accounts}) == 1
    text = (tmp_path / LOGINS_FILE).read_text()
    assert "Portal logins at" in summary_text(result)
    password = text.split("Password: ")[1].split()[0]
    fd_email = next(line.split()[-1] for line in text.splitlines() if line.startswith("FD"))
    response = client.post(reverse("portal:login"), {"pw-email": fd_email, "pw-password": password})
    assert response.status_code == 302
    assert client.get(reverse("portal:invoices")).status_code == 200
