"""Signing in (password, then a code for accounts with two-factor sign-in) and password reset.

The password step does not sign in an account that has an authenticator: it remembers, for a
few minutes, who typed the right password, and the code step signs in and marks the session
verified (django-otp) together. A session made some other way (the admin's login form, or
before the authenticator was set up) is sent to the code step by `staff_required`.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth import BACKEND_SESSION_KEY, login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from goodwill.accounts import security
from goodwill.accounts.forms import CodeForm, LoginForm, StaffPasswordResetForm
from goodwill.accounts.models import User

PENDING = "accounts_pending_second_step"  # session key: who typed the right password, and when
PENDING_FOR = dt.timedelta(minutes=5)
DEFAULT_BACKEND = "django.contrib.auth.backends.ModelBackend"


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: LoginForm) -> HttpResponse:
        user = form.get_user()
        if not security.has_two_factor(user):
            return super().form_valid(form)
        self.request.session[PENDING] = {
            "u": user.pk,
            "t": timezone.now().timestamp(),
            "b": getattr(user, "backend", DEFAULT_BACKEND),
            "next": self.get_success_url(),
        }
        return redirect("login_code")


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _pending_user(request: HttpRequest) -> tuple[User | None, dict]:
    pending = request.session.get(PENDING) or {}
    fresh = timezone.now().timestamp() - pending.get("t", 0) < PENDING_FOR.total_seconds()
    user = User.objects.filter(pk=pending.get("u"), is_active=True).first() if fresh else None
    return user, pending


def login_code(request: HttpRequest) -> HttpResponse:
    """The second step: the code from the authenticator app, or a recovery code."""
    if request.user.is_authenticated:
        if not security.needs_second_step(request):
            return redirect(_safe_next(request, reverse("dashboard")))
        user, target = request.user, _safe_next(request, reverse("dashboard"))
        backend = request.session.get(BACKEND_SESSION_KEY, DEFAULT_BACKEND)
    else:
        user, pending = _pending_user(request)
        if user is None:
            request.session.pop(PENDING, None)
            messages.error(request, "Sign in again: the code step waited too long.")
            return redirect("login")
        target, backend = pending.get("next") or reverse("dashboard"), pending.get("b")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = security.check_code(user, form.cleaned_data["code"])
        except security.Throttled:
            form.add_error(
                "code", "Too many wrong codes: wait a minute, then type the current one."
            )
        else:
            if device is not None:
                request.session.pop(PENDING, None)
                if not request.user.is_authenticated:
                    login(request, user, backend=backend or DEFAULT_BACKEND)
                security.mark_verified(request, device)
                if device.name == security.RECOVERY_NAME:
                    messages.warning(
                        request,
                        f"You signed in with a recovery code; "
                        f"{security.recovery_codes_left(user)} left.",
                    )
                return redirect(target)
            form.add_error("code", "That code is not right (or already used). Try again.")
    return render(request, "accounts/login_code.html", {"form": form, "next": target})


# --- Password reset: Django's views, our form (the outbox) and our pages ------------------------

password_reset = auth_views.PasswordResetView.as_view(
    form_class=StaffPasswordResetForm,
    template_name="accounts/password_reset_form.html",
    email_template_name="accounts/email/password_reset.txt",
    html_email_template_name="accounts/email/password_reset.html",
    subject_template_name="accounts/email/password_reset_subject.txt",
    success_url=reverse_lazy("password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="accounts/password_reset_confirm.html",
    success_url=reverse_lazy("password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)
