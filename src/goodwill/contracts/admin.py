from django.contrib import admin

from goodwill.contracts.models import (
    BusinessCalendar,
    BusinessHours,
    Closure,
    Contract,
    SLAPolicy,
    SLATarget,
)


class BusinessHoursInline(admin.TabularInline):
    model = BusinessHours
    extra = 0


class ClosureInline(admin.TabularInline):
    model = Closure
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ("name", "time_zone", "country", "subdivision")
    search_fields = ("name",)
    inlines = [BusinessHoursInline, ClosureInline]


class SLATargetInline(admin.TabularInline):
    model = SLATarget
    extra = 0
    max_num = 4


@admin.register(SLAPolicy)
class SLAPolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "calendar")
    list_select_related = ("calendar",)
    search_fields = ("name",)
    inlines = [SLATargetInline]


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = (
        "client",
        "name",
        "state",
        "start_date",
        "end_date",
        "renewal_date",
        "notice_deadline",
        "fee",
        "currency",
        "billing_cycle",
    )
    list_filter = ("state", "billing_cycle", "auto_renew", "currency")
    list_select_related = ("client",)
    search_fields = ("client__name", "name")
    filter_horizontal = ("sites",)
    readonly_fields = ("notice_deadline", "monthly_value", "created_at", "updated_at")
    date_hierarchy = "renewal_date"
