import pytest
from django.urls import reverse

from goodwill.clients.models import Client, Site

pytestmark = pytest.mark.django_db


def test_a_manager_creates_a_client(as_manager, cast):
    response = as_manager.post(
        reverse("clients:create"),
        {"name": "Cedar Law", "email_domains": "@CedarLaw.co.uk; cedar.law", "country": "gb",
         "is_active": "on"},
    )
    client = Client.objects.get(name="Cedar Law")
    assert response.status_code == 302
    assert response["Location"] == client.get_absolute_url()
    assert client.email_domains == "cedarlaw.co.uk, cedar.law"
    assert client.country == "GB"


def test_duplicate_names_are_refused_whatever_the_case(as_manager, cast):
    response = as_manager.post(reverse("clients:create"), {"name": "ACME DENTAL", "country": "GB"})
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert Client.objects.filter(name__iexact="acme dental").count() == 1


def test_bad_domain_gets_a_precise_error(as_manager, cast):
    response = as_manager.post(
        reverse("clients:create"), {"name": "X", "email_domains": "not a domain", "country": "GB"}
    )
    assert "is not a mail domain" in response.content.decode()


def test_technicians_cannot_edit_clients(as_tech, cast):
    response = as_tech.get(reverse("clients:edit", args=[cast.acme.pk]))
    assert response.status_code == 403
    assert "Account manager" in response.content.decode()  # says who can
    response = as_tech.post(reverse("clients:edit", args=[cast.acme.pk]), {"name": "Hacked"})
    assert response.status_code == 403
    cast.acme.refresh_from_db()
    assert cast.acme.name == "Acme Dental"


def test_a_site_is_added_with_a_time_zone(as_owner, cast):
    response = as_owner.post(
        reverse("clients:site_create", args=[cast.birch.pk]),
        {"name": "Dublin office", "time_zone": "Europe/Dublin"},
    )
    assert response.status_code == 302
    assert Site.objects.get(client=cast.birch, name="Dublin office").time_zone == "Europe/Dublin"


def test_an_unknown_time_zone_is_refused(as_owner, cast):
    response = as_owner.post(
        reverse("clients:site_create", args=[cast.birch.pk]),
        {"name": "Moon base", "time_zone": "Moon/Crater"},
    )
    assert response.status_code == 200
    assert not Site.objects.filter(name="Moon base").exists()
