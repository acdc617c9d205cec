from django.urls import path

from goodwill.billing import views

app_name = "billing"

urlpatterns = [
    path("invoices/", views.invoice_list, name="invoices"),
    path("invoices/new/", views.invoice_create, name="invoice_create"),
    path("invoices/drafts/", views.drafts, name="drafts"),
    path("invoices/drafts/issue/", views.drafts_issue, name="drafts_issue"),
    path("invoices/run/", views.run_now, name="run"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice"),
    path("invoices/<int:pk>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("invoices/<int:pk>/issue/", views.invoice_issue, name="invoice_issue"),
    path("invoices/<int:pk>/void/", views.invoice_void, name="invoice_void"),
    path("invoices/<int:pk>/dispute/", views.invoice_dispute, name="invoice_dispute"),
    path("invoices/<int:pk>/credit/", views.invoice_credit, name="invoice_credit"),
    path("invoices/<int:pk>/lines/", views.invoice_line_add, name="invoice_line_add"),
    path(
        "invoices/<int:pk>/lines/<int:line>/delete/",
        views.invoice_line_delete,
        name="invoice_line_delete",
    ),
    path("payments/", views.payment_list, name="payments"),
    path("payments/new/", views.payment_create, name="payment_create"),
    path("payments/import/", views.bank_import, name="bank_import"),
    path("payments/import/commit/", views.bank_import_commit, name="bank_import_commit"),
    path("ageing/", views.ageing, name="ageing"),
    path("revenue/", views.revenue, name="revenue"),
    path("export/<slug:layout>.csv", views.export, name="export"),
    path("clients/<int:client_pk>/", views.client_billing, name="client"),
    path("clients/<int:client_pk>/statement.pdf", views.statement, name="statement"),
    path("tasks/<int:pk>/done/", views.task_done, name="task_done"),
    path("reminders/<int:pk>/send/", views.reminder_send, name="reminder_send"),
]
