from django.contrib import admin
from django.urls import include, path

from goodwill.core import views as core_views

urlpatterns = [
    path("", core_views.dashboard, name="dashboard"),
    path("search/", core_views.search, name="search"),
    # Sign in (password, then a code with two-factor sign-in), sign out, password reset and
    # the Security page.
    path("", include("goodwill.accounts.auth_urls")),
    path("team/", include("goodwill.accounts.urls")),
    path("clients/", include("goodwill.clients.urls")),
    path("contracts/", include("goodwill.contracts.urls")),
    path("tickets/", include("goodwill.desk.urls")),
    path("mail/", include("goodwill.mail.urls")),
    path("happiness/", include("goodwill.happiness.urls")),
    path("billing/", include("goodwill.billing.urls")),
    # Scheduling has staff pages under /calendar/ and the public booking page under /book/,
    # both in its urls.py.
    path("", include("goodwill.scheduling.urls")),
    path("portal/", include("goodwill.portal.urls")),
    path("api/v1/", include("goodwill.api.urls")),
    path("audit/", include("goodwill.audit.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "goodwill.core.views.permission_denied"
handler404 = "goodwill.core.views.page_not_found"
