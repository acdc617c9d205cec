import pytest
from django.urls import reverse

from goodwill.contracts.models import SLAPolicy
from goodwill.contracts.tests.helpers import assert_not_allowed

LIST = reverse("contracts:sla_policies")
CREATE = reverse("contracts:sla_policy_create")
EVERY_ROLE = ["as_owner", "as_manager", "as_tech", "as_bookkeeper"]


def policy_data(cast, name="Gold", **targets):
    data = {
        "name": name,
        "description": "For the clients who pay most",
        "calendar": cast.calendar.pk,
        "targets-TOTAL_FORMS": "4",
        "targets-INITIAL_FORMS": "0",
        "targets-MIN_NUM_FORMS": "4",
        "targets-MAX_NUM_FORMS": "4",
    }
    rows = {
        "P1": ("30", "2 h", "15", "1 h"),
        "P2": ("1 h", "8 h", "", ""),
        "P3": ("4h", "40 h", "", ""),
        "P4": ("8 h", "80 h", "", ""),
    }
    rows.update(targets)
    for i, (priority, (first, resolve, key_first, key_resolve)) in enumerate(rows.items()):
        data |= {
            f"targets-{i}-priority": priority,
            f"targets-{i}-first_response_minutes": first,
            f"targets-{i}-resolution_minutes": resolve,
            f"targets-{i}-key_first_response_minutes": key_first,
            f"targets-{i}-key_resolution_minutes": key_resolve,
        }
    return data


@pytest.mark.parametrize("persona", EVERY_ROLE)
def test_the_list_renders_for_every_role_with_compact_targets(request, cast, persona):
    response = request.getfixturevalue(persona).get(LIST)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Standard" in content
    assert "1 h / 4 h" in content
    assert "8 h / 80 h" in content


@pytest.mark.parametrize("persona", EVERY_ROLE)
def test_a_policy_page_renders_for_every_role(request, cast, persona):
    response = request.getfixturevalue(persona).get(cast.policy.get_absolute_url())
    assert response.status_code == 200
    assert b"Standard" in response.content


@pytest.mark.parametrize("persona", ["as_manager", "as_tech", "as_bookkeeper"])
def test_it_shows_the_policy_read_only_to_those_who_cannot_edit(request, cast, persona):
    response = request.getfixturevalue(persona).get(cast.policy.get_absolute_url())
    assert response.context["editable"] is False
    assert b"Read-only" in response.content
    assert b'name="targets-TOTAL_FORMS"' not in response.content


@pytest.mark.parametrize("persona", ["as_manager", "as_tech", "as_bookkeeper"])
def test_it_refuses_edits_by_those_without_sla_edit(request, cast, persona):
    http = request.getfixturevalue(persona)
    assert_not_allowed(http.get(CREATE))
    assert_not_allowed(http.post(CREATE, policy_data(cast)))
    assert_not_allowed(http.post(cast.policy.get_absolute_url(), policy_data(cast, "Standard")))
    assert not SLAPolicy.objects.filter(name="Gold").exists()


def test_the_owner_gets_the_form_with_one_row_per_priority(as_owner, cast):
    response = as_owner.get(CREATE)
    assert response.status_code == 200
    priorities = [form["priority"].value() for form in response.context["targets"]]
    assert priorities == ["P1", "P2", "P3", "P4"]


def test_it_creates_a_policy_from_minutes_and_hours(as_owner, cast):
    response = as_owner.post(CREATE, policy_data(cast))
    assert response.status_code == 302
    policy = SLAPolicy.objects.get(name="Gold")
    targets = {t.priority: t for t in policy.targets.all()}
    assert targets["P1"].first_response_minutes == 30
    assert targets["P1"].resolution_minutes == 120
    assert targets["P1"].key_first_response_minutes == 15
    assert targets["P1"].key_resolution_minutes == 60
    assert targets["P3"].resolution_minutes == 2400
    assert targets["P2"].key_first_response_minutes is None


def test_it_edits_existing_targets(as_owner, cast):
    existing = {t.priority: t.pk for t in cast.policy.targets.all()}
    data = policy_data(cast, "Standard", P1=("45", "3 h", "", ""))
    data["targets-INITIAL_FORMS"] = "4"
    for i, priority in enumerate(["P1", "P2", "P3", "P4"]):
        data[f"targets-{i}-id"] = existing[priority]
        data[f"targets-{i}-policy"] = cast.policy.pk
    response = as_owner.post(cast.policy.get_absolute_url(), data)
    assert response.status_code == 302
    p1 = cast.policy.targets.get(priority="P1")
    assert (p1.first_response_minutes, p1.resolution_minutes) == (45, 180)
    assert cast.policy.targets.count() == 4


def test_it_rejects_a_resolution_before_the_response(as_owner, cast):
    response = as_owner.post(CREATE, policy_data(cast, P2=("4 h", "1 h", "", "")))
    assert response.status_code == 200
    p2 = response.context["targets"].forms[1]
    assert p2.errors["resolution_minutes"] == [
        "Resolution cannot be due before the first response."
    ]
    assert b"Resolution cannot be due before the first response." in response.content
    assert not SLAPolicy.objects.filter(name="Gold").exists()


def test_it_rejects_key_people_targets_looser_than_the_normal_ones(as_owner, cast):
    response = as_owner.post(CREATE, policy_data(cast, P1=("30", "2 h", "1 h", "4 h")))
    errors = response.context["targets"].forms[0].errors
    assert "key_first_response_minutes" in errors
    assert "key_resolution_minutes" in errors


def test_it_rejects_durations_it_cannot_read(as_owner, cast):
    response = as_owner.post(CREATE, policy_data(cast, P4=("soon", "80 h", "", "")))
    errors = response.context["targets"].forms[3].errors
    assert errors["first_response_minutes"][0].startswith("Enter minutes or hours")


def test_it_requires_every_priority(as_owner, cast):
    data = policy_data(cast, P4=("", "", "", ""))
    response = as_owner.post(CREATE, data)
    assert response.status_code == 200
    assert "first_response_minutes" in response.context["targets"].forms[3].errors
    assert not SLAPolicy.objects.filter(name="Gold").exists()


def test_it_rejects_a_duplicate_name(as_owner, cast):
    response = as_owner.post(CREATE, policy_data(cast, "Standard"))
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
