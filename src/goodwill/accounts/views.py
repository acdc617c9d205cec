from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from goodwill.accounts import services
from goodwill.accounts.forms import StaffCreateForm, StaffRoleForm
from goodwill.accounts.models import StaffRole, User
from goodwill.accounts.permissions import CAPABILITIES, CAPABILITY_LABELS, staff_required


@staff_required("staff.manage")
def team(request: HttpRequest) -> HttpResponse:
    staff = User.objects.exclude(role="", is_superuser=False).order_by("-is_active", "first_name")
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
