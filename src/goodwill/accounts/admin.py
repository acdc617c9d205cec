from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from goodwill.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "role", "is_active")
    list_filter = ("role", "is_active", "is_superuser")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Goodwill", {"fields": ("role", "time_zone")}),
    )


# The admin site signs in with its own form and checks only is_staff: make it ask for the second
# step too, like every staff page does, and send its sign-in to ours.
_admin_has_permission = admin.site.has_permission
_admin_login = admin.site.login


def _has_permission(request) -> bool:
    from goodwill.accounts import security

    return _admin_has_permission(request) and not security.needs_second_step(request)


def _login(request, extra_context=None):
    from django.contrib.auth.views import redirect_to_login
    from django.urls import reverse

    from goodwill.accounts import security

    target = request.GET.get("next") or reverse("admin:index")
    if not request.user.is_authenticated:
        return redirect_to_login(target)
    if security.needs_second_step(request):
        return redirect_to_login(target, login_url="login_code")
    return _admin_login(request, extra_context)


admin.site.has_permission = _has_permission
admin.site.login = _login
