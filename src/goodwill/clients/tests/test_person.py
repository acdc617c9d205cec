import pytest
from django.urls import reverse

from goodwill.clients.models import Person, PersonRole, RoleSource

pytestmark = pytest.mark.django_db


def test_the_person_page_shows_roles_contact_and_timeline(as_tech, cast):
    response = as_tech.get(reverse("clients:person", args=[cast.boss.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "The boss" in content
    assert "maria@acme.test" in content
    assert "Europe/London" in content
    assert "Timeline" in content


def test_a_person_is_added_with_roles(as_manager, cast):
    response = as_manager.post(
        reverse("clients:person_create", args=[cast.birch.pk]),
        {
            "first_name": "Fiona", "last_name": "Penny", "email": "Fiona@Birch.test",
            "time_zone": "Europe/London", "language": "en", "is_active": "on",
            "roles": ["billing", "gatekeeper"],
        },
    )
    assert response.status_code == 302
    fiona = Person.objects.get(email="fiona@birch.test")
    assert fiona.client == cast.birch
    assert fiona.role_set() == {"billing", "gatekeeper"}


def test_an_address_belongs_to_one_person_only(as_manager, cast):
    response = as_manager.post(
        reverse("clients:person_create", args=[cast.birch.pk]),
        {"first_name": "Fake", "email": "MARIA@acme.test", "time_zone": "Europe/London",
         "language": "en"},
    )
    assert response.status_code == 200
    assert "already belongs to Maria Shaw at Acme Dental" in response.content.decode()


def test_a_technician_edits_contact_details_but_not_roles(as_tech, cast):
    url = reverse("clients:person_edit", args=[cast.acme_user.pk])
    form = as_tech.get(url).context["form"]
    assert "roles" not in form.fields
    response = as_tech.post(
        url,
        {"first_name": "Priya", "last_name": "Nair", "email": "priya@acme.test",
         "phone": "020 7946 0000", "time_zone": "Europe/London", "language": "en",
         "is_active": "on", "roles": ["decision_maker"]},
    )
    assert response.status_code == 302
    cast.acme_user.refresh_from_db()
    assert cast.acme_user.phone == "020 7946 0000"
    assert cast.acme_user.role_set() == set()


def test_roles_are_added_and_removed_in_place(as_manager, cast):
    url = reverse("clients:person_roles", args=[cast.acme_user.pk])
    response = as_manager.post(url, {"role": "billing", "action": "add"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Financial director" in response.content.decode()
    assert cast.acme_user.role_set() == {"billing"}
    as_manager.post(url, {"role": "billing", "action": "remove"}, HTTP_HX_REQUEST="true")
    assert cast.acme_user.role_set() == set()


def test_bad_role_input_is_refused(as_manager, cast):
    url = reverse("clients:person_roles", args=[cast.acme_user.pk])
    assert as_manager.post(url, {"role": "king", "action": "add"}).status_code == 400
    assert as_manager.get(url).status_code == 405


def test_only_managers_and_owners_change_roles(as_tech, as_bookkeeper, cast):
    url = reverse("clients:person_roles", args=[cast.acme_user.pk])
    for http in (as_tech, as_bookkeeper):
        assert http.post(url, {"role": "billing", "action": "add"}).status_code == 403
    assert cast.acme_user.role_set() == set()


def test_a_dismissed_detected_complainer_stays_dismissed(as_manager, cast):
    PersonRole.objects.create(
        person=cast.acme_user, client=cast.acme, role="complainer", source=RoleSource.DETECTED
    )
    url = reverse("clients:person_roles", args=[cast.acme_user.pk])
    as_manager.post(url, {"role": "complainer", "action": "remove"})
    row = PersonRole.objects.get(person=cast.acme_user, role="complainer")
    assert row.dismissed_at is not None
    assert cast.acme_user.role_set() == set()
    page = as_manager.get(reverse("clients:person", args=[cast.acme_user.pk])).content.decode()
    assert "Dismissed: the complainer" in page


def test_logging_a_call_updates_last_contact(as_tech, cast):
    assert cast.pa.last_contact_at is None
    response = as_tech.post(
        reverse("clients:person_contacted", args=[cast.pa.pk]),
        {"next": cast.acme.get_absolute_url()},
    )
    assert response["Location"] == cast.acme.get_absolute_url()
    cast.pa.refresh_from_db()
    assert cast.pa.last_contact_at is not None
    # …and it is a touch the happiness engine sees, with who made the call.
    call = cast.pa.signals.get(kind="call")
    assert call.value > 0 and "Tess Tech" in call.note


def test_logging_a_call_never_redirects_off_site(as_tech, cast):
    response = as_tech.post(
        reverse("clients:person_contacted", args=[cast.pa.pk]), {"next": "https://evil.test/"}
    )
    assert response["Location"] == cast.pa.get_absolute_url()
