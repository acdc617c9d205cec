from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import authenticate, update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from goodwill.accounts import security, services
from goodwill.accounts.forms import ConfirmDeviceForm, StaffCreateForm, StaffRoleForm, SwitchOffForm
from goodwill.accounts.models import StaffRole, User
from goodwill.accounts.permissions import CAPABILITIES, CAPABILITY_LABELS, staff_required


@staff_required("staff.manage")
def team(request: HttpRequest) -> HttpResponse:
    staff = (
        User.objects.exclude(role="", is_superuser=False)
        .annotate(two_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)))
        .order_by("-is_active", "first_name")
    )
    matrix = [
        (CAPABILITY_LABELS[cap], [role in allowed for role in StaffRole.values])
        for cap, allowed in CAPABILITIES.items()
    ]
    return render(
        request,
        "accounts/team.html",
        {"staff": staff, "roles": StaffRole.choices, "matrix": matrix},
    )


@staff_required("staff.manage")
def staff_create(request: HttpRequest) -> HttpResponse:
    form = StaffCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.create_staff(**form.cleaned_data)
        messages.success(request, f"{user} can now sign in as {user.role_label}.")
        return redirect("accounts:team")
    return render(request, "accounts/staff_form.html", {"form": form})


@staff_required("staff.manage")
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(User, pk=pk)
    form = StaffRoleForm(
        request.POST or None, initial={"role": member.role, "is_active": member.is_active}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.change_role(
                member, form.cleaned_data["role"], active=form.cleaned_data["is_active"]
            )
        except services.LastOwnerError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{member} saved.")
            return redirect("accounts:team")
    return render(request, "accounts/staff_form.html", {"form": form, "member": member})


# --- Security: the signed-in staff member's own account -----------------------------------------

OWN = "account.own"


def _password_form(user: User, data=None) -> PasswordChangeForm:
    form = PasswordChangeForm(user, data)
    form.fields["old_password"].widget.attrs.pop("autofocus", None)  # one of several forms here
    return form


def _security_page(request: HttpRequest, **context: object) -> HttpResponse:
    user = request.user
    return render(
        request,
        "accounts/security.html",
        {
            "two_factor": security.has_two_factor(user),
            "codes_left": security.recovery_codes_left(user),
            "required": security.must_set_up(user),
            "password_form": context.pop("password_form", None) or _password_form(user),
            "switch_off_form": context.pop("switch_off_form", None) or SwitchOffForm(),
            **context,
        },
    )


@staff_required(OWN, two_factor_setup=True)
def security_page(request: HttpRequest) -> HttpResponse:
    return _security_page(request)


@staff_required(OWN, two_factor_setup=True)
def security_setup(request: HttpRequest) -> HttpResponse:
    """Scan the QR code (or type the key), then prove it works with a code before it counts."""
    if security.has_two_factor(request.user):
        return redirect("security")
    device = security.pending_authenticator(request.user)
    form = ConfirmDeviceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = security.confirm_authenticator(request, device, form.cleaned_data["code"])
        if codes is not None:
            messages.success(request, "Two-factor sign-in is on: we ask for a code each time.")
            return _security_page(request, new_codes=codes)
        form.add_error("code", "That code is not right. Check the app's clock and try again.")
    return render(
        request,
        "accounts/security_setup.html",
        {"form": form, "qr": security.qr_svg(device), "secret": security.secret_text(device)},
    )


@require_POST
@staff_required(OWN, two_factor_setup=True)
def security_recovery_codes(request: HttpRequest) -> HttpResponse:
    if not security.has_two_factor(request.user):
        return redirect("security")
    codes = security.new_recovery_codes(request.user)
    messages.success(request, "New recovery codes: the old ones no longer work.")
    return _security_page(request, new_codes=codes)


@require_POST
@staff_required(OWN, two_factor_setup=True)
def security_switch_off(request: HttpRequest) -> HttpResponse:
    form = SwitchOffForm(request.POST)
    if form.is_valid():
        proof = form.cleaned_data["proof"].strip()
        proved = False
        if proof.isdigit() and len(proof) == 6:  # passwords are never all digits (validators)
            try:
                proved = security.check_code(request.user, proof) is not None
            except security.Throttled:
                form.add_error("proof", "Too many wrong codes: wait a minute and try again.")
        else:
            # Through authenticate() so django-axes counts wrong passwords here too.
            user = authenticate(request, username=request.user.username, password=proof)
            proved = user is not None
        if proved:
            security.switch_off(request.user)
            messages.success(request, "Two-factor sign-in is off; your recovery codes are gone.")
            return redirect("security")
        if not form.errors:
            form.add_error("proof", "That is neither your password nor a current code.")
    return _security_page(request, switch_off_form=form)


@require_POST
@staff_required(OWN, two_factor_setup=True)
def security_password(request: HttpRequest) -> HttpResponse:
    form = _password_form(request.user, request.POST)
    if form.is_valid():
        form.save()
        # The new password changes the session hash: keep this session, the others end.
        update_session_auth_hash(request, form.user)
        messages.success(request, "Password changed. Your other sessions are signed out.")
        return redirect("security")
    return _security_page(request, password_form=form)


@require_POST
@staff_required(OWN, two_factor_setup=True)
def security_sign_out_others(request: HttpRequest) -> HttpResponse:
    security.end_other_sessions(request)
    messages.success(request, "Signed out everywhere else. This browser stays signed in.")
    return redirect("security")


@require_POST
@staff_required("staff.manage")
def staff_reset_two_factor(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(User, pk=pk)
    security.reset_for(member)
    messages.success(
        request,
        f"Two-factor sign-in is off for {member}; their sessions ended. They sign in with "
        "their password and can set up a new device on their Security page.",
    )
    return redirect("accounts:team")
