"""The client portal: pages for the people at clients, and the staff pages that invite them.

Every page that shows client data takes the person from the signed-in PortalAccount and reads
through goodwill.portal.scoping; an id or reference that is not theirs is a 404, the same
answer as one that does not exist.
"""

from __future__ import annotations

import base64
import datetime as dt
import mimetypes
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.password_validation import validate_password
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from goodwill.accounts.permissions import staff_required
from goodwill.audit import services as audit
from goodwill.clients.models import Person
from goodwill.contracts.models import ContractStatus
from goodwill.contracts.status import contract_status
from goodwill.desk import hours
from goodwill.desk.models import OPEN_STATUSES, TicketStatus, Urgency
from goodwill.desk.services import TicketError
from goodwill.portal import scoping, services
from goodwill.portal.models import PortalAccount, PortalPolicy

MAX_FILES = 5
SAFE_DOWNLOAD_TYPES = frozenset(
    {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp", "text/plain"}
)
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def branding() -> dict[str, str]:
    colour = settings.GOODWILL_PORTAL_COLOUR
    return {
        "portal_name": services.portal_name(),
        "portal_logo": settings.GOODWILL_PORTAL_LOGO_URL,
        # Only a plain #rrggbb reaches the page's <style>: a setting cannot inject CSS.
        "portal_colour": colour if _COLOUR.match(colour or "") else "#1f6f8b",
    }


def page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200):
    person = getattr(request, "person", None)
    extra = {"person": person, **branding()}
    if person is not None:
        extra["sees_contract"] = scoping.sees_contract(person)
        extra["sees_money"] = scoping.sees_money(person)
    return render(request, template, {**extra, **context}, status=status)


def portal_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A signed-in person with portal access; staff get a page that sends them back."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect(f"{reverse('portal:login')}?next={request.get_full_path()}")
        account = PortalAccount.objects.select_related("person__client").filter(user=user).first()
        if user.is_goodwill_staff or account is None:
            return page(request, "portal/staff_here.html", {}, status=403)
        if not account.can_sign_in:
            logout(request)
            messages.error(request, "Your portal access has been switched off.")
            return redirect("portal:login")
        request.portal_account = account  # type: ignore[attr-defined]
        request.person = account.person  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    wrapped.portal = True  # type: ignore[attr-defined]  # read by the isolation test
    return wrapped


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/portal/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("portal:home")


# --- Signing in --------------------------------------------------------------------------------

PENDING = "portal_pending_two_step"  # session key: the account waiting for its code
PENDING_FOR = dt.timedelta(minutes=5)


def _two_step_device(user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def _finish_sign_in(request: HttpRequest, account: PortalAccount, target: str) -> HttpResponse:
    """Sign in, or, with two-step sign-in on, ask for the code from the app first."""
    logout(request)
    if _two_step_device(account.user) is not None:
        request.session[PENDING] = {"a": account.pk, "t": timezone.now().timestamp(),
                                    "next": target}
        return redirect("portal:verify")
    login(request, account.user, backend="django.contrib.auth.backends.ModelBackend")
    services.signed_in(account)
    return redirect(target)


class CodeForm(forms.Form):
    code = forms.RegexField(
        label="The 6-digit code from your authenticator app", regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": "Type the six digits the app shows."},
    )


def verify(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING) or {}
    account = PortalAccount.objects.select_related("user", "person").filter(
        pk=pending.get("a")
    ).first()
    fresh = pending and timezone.now().timestamp() - pending.get("t", 0) < (
        PENDING_FOR.total_seconds()
    )
    if account is None or not fresh or not account.can_sign_in:
        request.session.pop(PENDING, None)
        messages.error(request, "Sign in again: the two-step sign-in waited too long.")
        return redirect("portal:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = _two_step_device(account.user)
        if device is not None and device.verify_token(form.cleaned_data["code"].strip()):
            target = pending.get("next") or reverse("portal:home")
            request.session.pop(PENDING, None)
            login(request, account.user, backend="django.contrib.auth.backends.ModelBackend")
            services.signed_in(account)
            return redirect(target)
        form.add_error("code", "That code is not right (or too old). Try the current one.")
    return page(request, "portal/verify.html", {"form": form})


@portal_required
def two_step(request: HttpRequest) -> HttpResponse:
    """Turn two-step sign-in (an authenticator app) on or off."""
    import qrcode
    import qrcode.image.svg
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = request.user
    confirmed = _two_step_device(user)
    form = CodeForm(request.POST or None)
    if confirmed is None:
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="Portal", confirmed=False)
        if request.method == "POST" and form.is_valid():
            if device.verify_token(form.cleaned_data["code"].strip()):
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                messages.success(request, "Two-step sign-in is on: we ask for a code each time.")
                return redirect("portal:home")
            form.add_error("code", "That code is not right. Check the app and try again.")
        svg = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
        return page(request, "portal/two_step.html", {
            "form": form, "qr": svg.to_string(encoding="unicode"),
            "secret": base64.b32encode(device.bin_key).decode(), "on": False,
        })
    if request.method == "POST" and form.is_valid():
        if confirmed.verify_token(form.cleaned_data["code"].strip()):
            TOTPDevice.objects.filter(user=user).delete()
            messages.success(request, "Two-step sign-in is off.")
            return redirect("portal:home")
        form.add_error("code", "That code is not right.")
    return page(request, "portal/two_step.html", {"form": form, "on": True})


class LinkForm(forms.Form):
    email = forms.EmailField(label="Your e-mail address")


class PasswordLoginForm(forms.Form):
    email = forms.EmailField(label="E-mail address")
    password = forms.CharField(label="Password", widget=forms.PasswordInput, strip=False)


def sign_in(request: HttpRequest) -> HttpResponse:
    link_form, password_form = LinkForm(prefix="link"), PasswordLoginForm(prefix="pw")
    if request.method == "POST" and "link-email" in request.POST:
        link_form = LinkForm(request.POST, prefix="link")
        if link_form.is_valid():
            services.request_link(link_form.cleaned_data["email"])
            return page(
                request, "portal/link_sent.html", {"email": link_form.cleaned_data["email"]}
            )
    elif request.method == "POST":
        password_form = PasswordLoginForm(request.POST, prefix="pw")
        if password_form.is_valid():
            account = (
                PortalAccount.objects.select_related("user", "person")
                .filter(person__email__iexact=password_form.cleaned_data["email"])
                .first()
            )
            user = None
            if account is not None and account.can_sign_in:
                # Through authenticate() so django-axes counts failures and locks out guessers.
                user = authenticate(
                    request,
                    username=account.user.username,
                    password=password_form.cleaned_data["password"],
                )
            if user is None:
                password_form.add_error(
                    None, "That e-mail address and password do not match. "
                    "You can ask for a sign-in link instead.",
                )
            else:
                return _finish_sign_in(request, account, _next_url(request))
    return page(
        request,
        "portal/login.html",
        {"link_form": link_form, "password_form": password_form, "next": _next_url(request)},
    )


def sign_in_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button, POST signs in: mail scanners that follow links do not use them up."""
    try:
        account = (
            services.use_link(token) if request.method == "POST" else services.check_link(token)
        )
    except services.PortalError as exc:
        return page(
            request, "portal/login.html",
            {"link_error": str(exc), "link_form": LinkForm(prefix="link"),
             "password_form": PasswordLoginForm(prefix="pw"), "next": ""},
            status=400,
        )
    if request.method == "POST":
        return _finish_sign_in(request, account, reverse("portal:home"))
    return page(request, "portal/link_confirm.html", {"account": account})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You are signed out.")
    return redirect("portal:login")


class SetPasswordForm(forms.Form):
    password = forms.CharField(label="New password", widget=forms.PasswordInput, strip=False)

    def __init__(self, user, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        validate_password(password, self.user)
        return password


@portal_required
def set_password(request: HttpRequest) -> HttpResponse:
    form = SetPasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        request.user.set_password(form.cleaned_data["password"])
        request.user.save(update_fields=["password"])
        update_session_auth_hash(request, request.user)
        messages.success(request, "Your password is set. You can sign in with it from now on.")
        return redirect("portal:home")
    return page(request, "portal/password.html", {"form": form})


# --- Tickets -----------------------------------------------------------------------------------


@require_GET
@portal_required
def home(request: HttpRequest) -> HttpResponse:
    person: Person = request.person  # type: ignore[attr-defined]
    tickets = scoping.tickets_for(person).select_related("requester")
    show = request.GET.get("show", "open")
    everyone = scoping.sees_colleagues(person)
    if everyone and request.GET.get("whose") == "mine":
        tickets = tickets.filter(requester=person)
    if show == "closed":
        tickets = tickets.exclude(status__in=OPEN_STATUSES)
    else:
        show = "open"
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    from goodwill.happiness.surveys import link

    since = timezone.now() - dt.timedelta(days=60)
    surveys = [
        {"survey": s, "url": link(s)}
        for s in scoping.open_surveys_for(person).filter(sent_at__gte=since)
        .select_related("ticket").order_by("-sent_at")[:3]
    ]
    return page(
        request,
        "portal/home.html",
        {
            "surveys": surveys,
            "tickets": tickets.order_by("-updated_at", "-id")[:100],
            "show": show,
            "whose": request.GET.get("whose", "all"),
            "sees_colleagues": everyone,
        },
    )


class TicketForm(forms.Form):
    subject = forms.CharField(label="What is the problem, in a few words?", max_length=200)
    body = forms.CharField(label="Tell us more", widget=forms.Textarea(attrs={"rows": 6}))
    urgency = forms.TypedChoiceField(
        label="How much does it stop your work?",
        choices=[(Urgency.HIGH, "I cannot work"), (Urgency.MEDIUM, "It slows me down"),
                 (Urgency.LOW, "It can wait")],
        coerce=int,
        initial=Urgency.MEDIUM,
        widget=forms.RadioSelect,
    )


class ReplyForm(forms.Form):
    body = forms.CharField(label="Your reply", widget=forms.Textarea(attrs={"rows": 4}))


def _files(request: HttpRequest, form: forms.Form) -> list:
    files = request.FILES.getlist("files")
    if len(files) > MAX_FILES:
        form.add_error(None, f"Attach at most {MAX_FILES} files at a time.")
    return files


@portal_required
def new_ticket(request: HttpRequest) -> HttpResponse:
    person: Person = request.person  # type: ignore[attr-defined]
    form = TicketForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        files = _files(request, form)
        if not form.errors:
            try:
                ticket = services.raise_ticket(
                    person,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    urgency=form.cleaned_data["urgency"],
                    files=files,
                )
            except TicketError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(None if field not in form.fields else field, errors)
            else:
                messages.success(
                    request, f"Thank you: your ticket is {ticket.reference}. We will answer here "
                    "and by e-mail."
                )
                return redirect("portal:ticket", number=ticket.number)
    return page(request, "portal/new_ticket.html", {"form": form, "max_files": MAX_FILES})


def _ticket(person: Person, number: int):
    return get_object_or_404(
        scoping.tickets_for(person).select_related("requester"), number=number
    )


@portal_required
def ticket(request: HttpRequest, number: int) -> HttpResponse:
    person: Person = request.person  # type: ignore[attr-defined]
    found = _ticket(person, number)
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        files = _files(request, form)
        if not form.errors:
            try:
                services.reply(person, found, body=form.cleaned_data["body"], files=files)
            except TicketError as exc:
                form.add_error(None, "; ".join(exc.messages))
            else:
                messages.success(request, "Your reply is sent.")
                return redirect("portal:ticket", number=found.number)
    conversation = list(
        scoping.messages_for(person)
        .filter(ticket=found)
        .select_related("author_user", "author_person")
    )
    files = list(scoping.attachments_for(person).filter(ticket=found))
    by_message: dict[int | None, list] = {}
    for attachment in files:
        by_message.setdefault(attachment.message_id, []).append(attachment)
    turns = [{"message": m, "files": by_message.get(m.pk, [])} for m in conversation]
    return page(
        request,
        "portal/ticket.html",
        {
            "ticket": found,
            "turns": turns,
            "loose_files": by_message.get(None, []),
            "form": form,
            "is_done": found.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED),
            "max_files": MAX_FILES,
        },
    )


@require_GET
@portal_required
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    person: Person = request.person  # type: ignore[attr-defined]
    found = get_object_or_404(scoping.attachments_for(person), pk=pk)
    storage = found.file.storage
    if not found.file.name or not storage.exists(found.file.name):
        raise Http404("The file is missing.")
    name = re.sub(r"[\x00-\x1f\x7f\"/\\]", "", found.filename).strip(". ")[:200] or "attachment"
    content_type = mimetypes.guess_type(name)[0] or found.content_type
    if content_type not in SAFE_DOWNLOAD_TYPES:
        content_type = "application/octet-stream"
    response = FileResponse(
        storage.open(found.file.name, "rb"),
        as_attachment=True,
        filename=name,
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@portal_required
def contract(request: HttpRequest) -> HttpResponse:
    """The boss's contract at a glance: term, renewal, included and used hours."""
    person: Person = request.person  # type: ignore[attr-defined]
    if not scoping.sees_contract(person):
        raise Http404("The contract page is for the boss, the PA and the financial director.")
    rows = []
    for found in scoping.contracts_for(person).order_by("-start_date")[:5]:
        status = ContractStatus(contract_status(found)).label
        period = hours.current_period(found)
        used = hours.hours_for(found, [period])[0]
        rows.append({"contract": found, "status": status, "period": period, "hours": used})
    return page(request, "portal/contract.html", {"rows": rows})


@require_GET
@portal_required
def invoices(request: HttpRequest) -> HttpResponse:
    """The financial director's (and the boss's) invoices, what is overdue, and the balance."""
    from goodwill.billing.services import client_balance

    person: Person = request.person  # type: ignore[attr-defined]
    if not scoping.sees_money(person):
        raise Http404("Invoices are for the financial director and the boss.")
    today = timezone.localdate()
    rows = list(scoping.invoices_for(person).order_by("-issue_date", "-id")[:200])
    for row in rows:
        row.overdue = bool(row.is_open and row.balance > 0 and row.due_date
                           and row.due_date < today)
    return page(
        request,
        "portal/invoices.html",
        {
            "invoices": rows,
            "overdue": [r for r in rows if r.overdue],
            "balance": client_balance(person.client),
            "payments": scoping.payments_for(person).order_by("-received_on", "-id")[:20],
        },
    )


@require_GET
@portal_required
def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from goodwill.billing.services import invoice_pdf as render_pdf

    person: Person = request.person  # type: ignore[attr-defined]
    invoice = get_object_or_404(scoping.invoices_for(person), pk=pk)
    response = HttpResponse(render_pdf(invoice), content_type="application/pdf")
    name = re.sub(r"[^A-Za-z0-9_-]", "-", invoice.label)
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _report_month(request: HttpRequest) -> tuple[dt.date, list[dt.date]]:
    """?month=YYYY-MM among the last twelve; last month by default."""
    from goodwill.contracts.services import add_months

    this = timezone.localdate().replace(day=1)
    months = [add_months(this, -n) for n in range(0, 13)]
    chosen = months[1]
    wanted = request.GET.get("month", "")
    for month in months:
        if wanted == f"{month:%Y-%m}":
            chosen = month
    return chosen, months


@require_GET
@portal_required
def report(request: HttpRequest) -> HttpResponse:
    """The monthly one-page service report for the boss (and the PA and FD)."""
    from goodwill.portal.report import build

    person: Person = request.person  # type: ignore[attr-defined]
    if not scoping.sees_contract(person):
        raise Http404("The service report is for the boss, the PA and the financial director.")
    month, months = _report_month(request)
    return page(request, "portal/report.html",
                {"report": build(person.client, month), "months": months, "month": month})


@require_GET
@portal_required
def report_pdf(request: HttpRequest) -> HttpResponse:
    from goodwill.portal.report import build, render_pdf

    person: Person = request.person  # type: ignore[attr-defined]
    if not scoping.sees_contract(person):
        raise Http404("The service report is for the boss, the PA and the financial director.")
    month, _months = _report_month(request)
    content = render_pdf(build(person.client, month), services.portal_name())
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="service-report-{month:%Y-%m}.pdf"'
    return response


# --- Staff: invitations and the client's portal policy ----------------------------------------


@require_POST
@staff_required("people.edit")
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=pk)
    try:
        services.invite(person, by_user=request.user)
    except services.PortalError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Invitation to the portal sent to {person.email}.")
    return redirect("portal:access", pk=person.pk)


@require_POST
@staff_required("people.edit")
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=pk)
    Person.objects.filter(pk=person.pk).update(portal_access=False)
    # update() sends no signals: the audit trail hears of the revocation from here.
    audit.record_change(person, {"portal_access": (person.portal_access, False)})
    messages.success(request, f"{person} can no longer sign in to the portal.")
    return redirect("portal:access", pk=person.pk)


class PolicyForm(forms.ModelForm):
    class Meta:
        model = PortalPolicy
        fields = ["boss_sees_colleagues", "pa_sees_colleagues", "everyone_sees_colleagues"]


@staff_required("clients.view")
def access(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff: a person's portal access (invite, switch off) and their client's policy."""
    from goodwill.accounts.permissions import can

    person = get_object_or_404(Person.objects.select_related("client"), pk=pk)
    policy = PortalPolicy.objects.filter(client=person.client).first() or PortalPolicy(
        client=person.client
    )
    form = PolicyForm(request.POST or None, instance=policy)
    if request.method == "POST":
        if not can(request.user, "clients.edit"):
            from goodwill.accounts.permissions import not_allowed

            return not_allowed(request, "clients.edit")
        if form.is_valid():
            form.save()
            messages.success(request, f"Portal policy of {person.client} saved.")
            return redirect("portal:access", pk=person.pk)
    account = PortalAccount.objects.filter(person=person).first()
    return render(
        request,
        "portal/staff_access.html",
        {
            "person": person,
            "account": account,
            "form": form,
            "sees_colleagues": scoping.sees_colleagues(person),
            "colleagues": PortalAccount.objects.filter(person__client=person.client)
            .select_related("person")
            .order_by("person__first_name"),
        },
    )

