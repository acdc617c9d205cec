from django.contrib import admin

from goodwill.clients.models import Client, Person, PersonRole, Site


class SiteInline(admin.TabularInline):
    model = Site
    extra = 0


class PersonRoleInline(admin.TabularInline):
    model = PersonRole
    extra = 0
    fields = ("role", "source", "confirmed_at", "dismissed_at", "assigned_by")
    readonly_fields = ("assigned_by",)


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ("name", "email_domains", "account_manager", "is_active")
    list_filter = ("is_active", "account_manager")
    search_fields = ("name", "email_domains")
    inlines = [SiteInline]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("full_name", "email", "client", "job_title", "is_active", "needs_role_review")
    list_filter = ("is_active", "needs_role_review", "portal_access")
    search_fields = ("first_name", "last_name", "email", "client__name")
    list_select_related = ("client",)
    autocomplete_fields = ("client",)
    inlines = [PersonRoleInline]

    def save_formset(self, request, form, formset, change):  # type: ignore[no-untyped-def]
        # Keep PersonRole.client in step with the person, as clients.services does.
        for role in formset.save(commit=False):
            role.client = form.instance.client
            role.save()
        for obj in formset.deleted_objects:
            obj.delete()
