from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from goodwill.accounts.forms import LoginForm
from goodwill.core import views as core_views

urlpatterns = [
    path("", core_views.dashboard, name="dashboard"),
    path("search/", core_views.search, name="search"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html",
            authentication_form=LoginForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
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
    path("admin/", admin.site.urls),
]

handler403 = "goodwill.core.views.permission_denied"
handler404 = "goodwill.core.views.page_not_found"
