from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm

from goodwill.accounts.models import StaffRole, User


class LoginForm(AuthenticationForm):
    """Django's login form; the request is passed along so django-axes can throttle by address."""

    username = forms.CharField(
        label="Username",
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )


class StaffCreateForm(forms.Form):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150, required=False)
    username = forms.CharField(max_length=150, help_text="What they type to sign in.")
    email = forms.EmailField()
    role = forms.ChoiceField(choices=StaffRole.choices)
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Give it to them in person; they can change it later.",
    )

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("Someone already signs in with this username.")
        return username

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("password"):
            candidate = User(
                username=data.get("username", ""),
                email=data.get("email", ""),
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
            )
            try:
                password_validation.validate_password(data["password"], candidate)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data


class StaffRoleForm(forms.Form):
    role = forms.ChoiceField(choices=StaffRole.choices)
    is_active = forms.BooleanField(required=False, label="Can sign in")
