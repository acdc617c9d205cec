"""Signing in and out, password reset and the signed-in member's Security page (at the site root,
without a namespace: `login` and `logout` are the names Django's settings refer to)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from goodwill.accounts import views, views_auth

urlpatterns = [
    path("login/", views_auth.SignInView.as_view(), name="login"),
    path("login/code/", views_auth.login_code, name="login_code"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", views_auth.password_reset, name="password_reset"),
    path("password-reset/sent/", views_auth.password_reset_done, name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views_auth.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/", views_auth.password_reset_complete, name="password_reset_complete"
    ),
    path("account/security/", views.security_page, name="security"),
    path("account/security/two-factor/", views.security_setup, name="security_setup"),
    path("account/security/two-factor/off/", views.security_switch_off, name="security_switch_off"),
    path(
        "account/security/recovery-codes/",
        views.security_recovery_codes,
        name="security_recovery_codes",
    ),
    path("account/security/password/", views.security_password, name="security_password"),
    path(
        "account/security/sign-out-others/",
        views.security_sign_out_others,
        name="security_sign_out_others",
    ),
]
