from __future__ import annotations

import time

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm

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


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
        help_text="The six digits your authenticator app shows, or one of your recovery codes.",
    )


class ConfirmDeviceForm(forms.Form):
    code = forms.RegexField(
        label="The 6-digit code the app shows",
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": "Type the six digits the app shows."},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class SwitchOffForm(forms.Form):
    proof = forms.CharField(
        label="Your password, or a current code from the app",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class StaffPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the mail goes through the outbox (queued in this transaction,
    retried when the SMTP server is down), and only staff accounts get one: portal logins
    have their own sign-in links."""

    def get_users(self, email: str):
        return (user for user in super().get_users(email) if user.is_goodwill_staff)

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict,
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        from django.template import loader

        from goodwill.core import outbox

        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        outbox.enqueue(
            kind="accounts.password_reset",
            to=[to_email],
            subject=subject,
            text=loader.render_to_string(email_template_name, context),
            html=loader.render_to_string(html_email_template_name, context)
            if html_email_template_name
            else "",
            context=f"user:{context['user'].pk}",
            # One mail per account per five minutes, however often the form is sent: the page
            # cannot be used to flood someone's mailbox (the first link still works).
            dedupe_key=f"password-reset:{context['user'].pk}:{int(time.time() // 300)}",
        )
