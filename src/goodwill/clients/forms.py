from __future__ import annotations

from typing import Any

from django import forms

from goodwill.accounts.models import User
from goodwill.clients.models import Client, Person, Site, StakeholderRole
from goodwill.core.timezones import time_zone_choices


class ClientForm(forms.ModelForm):
    website = forms.URLField(required=False, assume_scheme="https")

    class Meta:
        model = Client
        fields = [
            "name",
            "email_domains",
            "phone",
            "website",
            "address",
            "country",
            "account_manager",
            "notes",
            "is_active",
        ]
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account_manager"].queryset = User.objects.filter(is_active=True).exclude(
            role=""
        )

    def clean_email_domains(self) -> str:
        raw = self.cleaned_data["email_domains"]
        domains = [d.strip().lower().lstrip("@") for d in raw.replace(";", ",").split(",")]
        domains = [d for d in domains if d]
        for domain in domains:
            if "." not in domain or " " in domain or "@" in domain:
                raise forms.ValidationError(f"{domain!r} is not a mail domain (like acme.co.uk).")
        return ", ".join(dict.fromkeys(domains))

    def clean_country(self) -> str:
        country = self.cleaned_data["country"].strip().upper()
        if len(country) != 2 or not country.isalpha():
            raise forms.ValidationError("Use a two-letter country code, like GB or IE.")
        return country


class SiteForm(forms.ModelForm):
    time_zone = forms.ChoiceField(choices=time_zone_choices)

    class Meta:
        model = Site
        fields = ["name", "address", "time_zone", "is_primary"]
        widgets = {"address": forms.Textarea(attrs={"rows": 2})}


class PersonForm(forms.ModelForm):
    time_zone = forms.ChoiceField(choices=time_zone_choices)
    roles = forms.MultipleChoiceField(
        choices=StakeholderRole.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="A person can hold several roles.",
    )

    class Meta:
        model = Person
        fields = [
            "first_name",
            "last_name",
            "email",
            "job_title",
            "phone",
            "mobile",
            "site",
            "time_zone",
            "language",
            "portal_access",
            "is_active",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, client: Client, can_edit_roles: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = client
        self.fields["site"].queryset = client.sites.all()
        if not can_edit_roles:
            del self.fields["roles"]
        elif self.instance.pk:
            self.fields["roles"].initial = sorted(self.instance.role_set())

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if not email:
            return email
        clash = Person.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).first()
        if clash:
            where = "here" if clash.client_id == self.client.pk else f"at {clash.client}"
            raise forms.ValidationError(
                f"{email} already belongs to {clash.full_name} {where}. "
                "One address, one person: mail is matched to people by address."
            )
        return email
