import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from goodwill.clients.models import PersonRole

pytestmark = pytest.mark.django_db
URL = reverse("dashboard")


def test_it_requires_login(client):
    assert client.get(URL).status_code == 302


@pytest.mark.parametrize("who", ["as_owner", "as_manager", "as_tech", "as_bookkeeper"])
def test_every_staff_role_sees_the_dashboard(request, who):
    assert request.getfixturevalue(who).get(URL).status_code == 200


def test_it_sums_mrr_and_what_is_up_for_renewal(as_owner, cast):
    portfolio = as_owner.get(URL).context["portfolio"]
    assert portfolio.mrr == Decimal("4000.00")  # 2,500 + 4,500 a quarter
    assert portfolio.mrr_renewal_due == Decimal("1500.00")  # Birch renews in 25 days
    assert portfolio.status_counts["active"] == 1
    assert portfolio.status_counts["renewal_due"] == 1


def test_renewals_in_the_next_90_days_come_first_by_notice_deadline(as_owner, cast):
    renewals = list(as_owner.get(URL).context["renewals"])
    assert [k.client.name for k in renewals] == ["Birch & Co"]


def test_key_people_never_contacted_are_listed_but_not_plain_users(as_owner, cast):
    quiet = list(as_owner.get(URL).context["quiet"])
    names = {p.full_name for p in quiet}
    assert {"Maria Shaw", "Tom Ito", "Ana Costa", "Bill Birch"} <= names
    assert "Priya Nair" not in names  # no key role
    assert "Dave Lund" not in names  # the complainer is not someone you court


def test_a_recent_call_takes_someone_off_the_quiet_list(as_owner, cast):
    cast.boss.last_contact_at = timezone.now() - dt.timedelta(days=3)
    cast.boss.save()
    quiet = as_owner.get(URL).context["quiet"]
    assert cast.boss not in list(quiet)


def test_clients_without_a_billing_contact_are_flagged(as_owner, cast):
    gaps = as_owner.get(URL).context["gaps"]
    assert [c.name for c in gaps] == ["Birch & Co"]
    PersonRole.objects.create(person=cast.birch_user, client=cast.birch, role="billing")
    assert as_owner.get(URL).context["gaps"] == []


def test_the_renewal_chart_puts_mrr_in_the_renewal_month(as_owner, cast):
    chart = as_owner.get(URL).context["renewal_chart"]
    assert len(chart["labels"]) == 12
    month = cast.birch_contract.renewal_date.strftime("%b %Y")
    assert chart["values"][chart["labels"].index(month)] >= 1500.0
    assert sum(chart["values"]) == 4000.0
