from django.urls import path

from goodwill.mail import views_outbox, webhook

app_name = "mail"

urlpatterns: list = [
    # Inbound webhook: POST only, signed by the provider, no login.
    path("webhook/", webhook.inbound, name="webhook"),
    path("webhook/<str:mailbox>/", webhook.inbound, name="webhook_mailbox"),
    # Outbox: what Goodwill sent or failed to send.
    path("outbox/", views_outbox.outbox_list, name="outbox"),
    path("outbox/<int:pk>/", views_outbox.outbox_message, name="outbox_message"),
    path("outbox/<int:pk>/retry/", views_outbox.outbox_retry, name="outbox_retry"),
    path("outbox/<int:pk>/cancel/", views_outbox.outbox_cancel, name="outbox_cancel"),
]
