"""Staff pages: API tokens (each person their own; owners see all) and webhooks with their log."""

from __future__ import annotations

import secrets

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from goodwill.accounts.permissions import can, staff_required

from . import auth
from . import webhooks as hooks
from .models import ApiToken, DeliveryStatus, WebhookDelivery, WebhookEvent, WebhookSubscription


class TokenForm(forms.Form):
    name = forms.CharField(
        label="What is it for?", max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Accounting sync"}),
    )


def _visible_tokens(user):
    tokens = ApiToken.objects.select_related("user", "portal_account__person")
    return tokens if can(user, "staff.manage") else tokens.filter(user=user)


@staff_required("clients.view")
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        _token, secret = auth.create_token(
            name=form.cleaned_data["name"], user=request.user, created_by=request.user
        )
        form = TokenForm()
    return render(
        request,
        "api/tokens.html",
        {"form": form, "secret": secret, "tokens": _visible_tokens(request.user)[:200]},
    )


@require_POST
@staff_required("clients.view")
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(_visible_tokens(request.user), pk=pk)
    if auth.revoke(token):
        messages.success(request, f"Token {token} revoked: it no longer works.")
    return redirect("api:tokens")


class SubscriptionForm(forms.ModelForm):
    url = forms.URLField(label="Address", max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple,
        label="Send these events",
    )

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "events"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            hooks.check_url(url)
        except hooks.UnsafeTarget as exc:
            raise forms.ValidationError(str(exc)) from exc
        return url


@staff_required("staff.manage")
def webhooks(request: HttpRequest) -> HttpResponse:
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        subscription = form.save(commit=False)
        subscription.secret = secrets.token_urlsafe(32)
        subscription.created_by = request.user
        subscription.save()
        messages.success(
            request, f"Webhook {subscription} added. Its signing secret is on its page."
        )
        return redirect("api:webhook", pk=subscription.pk)
    return render(
        request,
        "api/webhooks.html",
        {
            "form": form,
            "subscriptions": WebhookSubscription.objects.all(),
            "deliveries": WebhookDelivery.objects.select_related("subscription")[:50],
        },
    )


@staff_required("staff.manage")
def webhook(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = get_object_or_404(WebhookSubscription, pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "toggle":
            subscription.is_active = not subscription.is_active
            subscription.save(update_fields=["is_active"])
        elif action == "retry":
            row = get_object_or_404(subscription.deliveries, pk=request.POST.get("delivery"))
            if hooks.retry(row):
                messages.success(request, "Queued again.")
        return redirect("api:webhook", pk=subscription.pk)
    return render(
        request,
        "api/webhook.html",
        {
            "subscription": subscription,
            "deliveries": subscription.deliveries.all()[:100],
            "failed": DeliveryStatus.FAILED,
        },
    )
