from django.urls import path

from goodwill.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.sign_in, name="login"),
    path("sign-in/<str:token>/", views.sign_in_link, name="link"),
    path("sign-out/", views.sign_out, name="logout"),
    path("password/", views.set_password, name="password"),
    path("sign-in-code/", views.verify, name="verify"),
    path("two-step/", views.two_step, name="two_step"),
    path("tickets/new/", views.new_ticket, name="new_ticket"),
    path("tickets/<int:number>/", views.ticket, name="ticket"),
    path("files/<int:pk>/", views.attachment, name="attachment"),
    path("contract/", views.contract, name="contract"),
    path("invoices/", views.invoices, name="invoices"),
    path("report/", views.report, name="report"),
    path("report/pdf/", views.report_pdf, name="report_pdf"),
    path("invoices/<int:pk>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    # Staff pages
    path("staff/people/<int:pk>/", views.access, name="access"),
    path("staff/people/<int:pk>/invite/", views.invite, name="invite"),
    path("staff/people/<int:pk>/revoke/", views.revoke, name="revoke"),
]
