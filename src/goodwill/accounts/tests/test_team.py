import pytest
from django.urls import reverse

from goodwill.accounts.models import User

pytestmark = pytest.mark.django_db


def test_the_owner_sees_the_team_and_the_role_matrix(as_owner, cast):
    response = as_owner.get(reverse("accounts:team"))
    content = response.content.decode()
    assert response.status_code == 200
    for name in ("Olivia Owner", "Adam Manager", "Tess Tech", "Bea Books"):
        assert name in content
    assert "Manage the team and their roles" in content


@pytest.mark.parametrize("who", ["as_manager", "as_tech", "as_bookkeeper"])
def test_only_owners_manage_the_team(request, who, cast):
    http = request.getfixturevalue(who)
    response = http.get(reverse("accounts:team"))
    assert response.status_code == 403
    assert "Owner / admin" in response.content.decode()


def test_the_owner_adds_a_technician(as_owner, cast):
    response = as_owner.post(
        reverse("accounts:staff_create"),
        {
            "first_name": "Lee",
            "username": "lee",
            "email": "lee@provider.test",
            "role": "technician",
            "password": "a-long-and-unusual-passphrase",
        },
    )
    assert response.status_code == 302
    lee = User.objects.get(username="lee")
    assert lee.role == "technician"
    assert lee.check_password("a-long-and-unusual-passphrase")


def test_weak_passwords_and_taken_usernames_are_refused(as_owner, cast):
    response = as_owner.post(
        reverse("accounts:staff_create"),
        {
            "first_name": "X",
            "username": "TESS",
            "email": "x@provider.test",
            "role": "technician",
            "password": "password",
        },
    )
    content = response.content.decode()
    assert "already signs in with this username" in content
    assert "too common" in content


def test_a_role_change_takes_effect_at_once(as_owner, cast, login):
    as_owner.post(
        reverse("accounts:staff_edit", args=[cast.tech.pk]),
        {"role": "account_manager", "is_active": "on"},
    )
    http = login(User.objects.get(pk=cast.tech.pk))
    assert http.get(reverse("clients:edit", args=[cast.acme.pk])).status_code == 200


def test_the_last_owner_cannot_be_demoted(as_owner, cast):
    response = as_owner.post(
        reverse("accounts:staff_edit", args=[cast.owner.pk]), {"role": "technician"}
    )
    assert response.status_code == 200
    assert "only owner" in response.content.decode()
    cast.owner.refresh_from_db()
    assert cast.owner.role == "owner" and cast.owner.is_active


def test_a_deactivated_member_cannot_use_the_app(as_owner, cast, login):
    http = login(cast.tech)
    as_owner.post(reverse("accounts:staff_edit", args=[cast.tech.pk]), {"role": "technician"})
    response = http.get(reverse("clients:list"))
    assert response.status_code == 302  # the session no longer authenticates
