from django.urls import path

from goodwill.mail import views, views_outbox, webhook

app_name = "mail"

urlpatterns: list = [
    # Incoming mail: the area, the quarantine, triage, each message as received.
    path("", views.index, name="index"),
    path("quarantine/", views.quarantine, name="quarantine"),
    path("triage/", views.triage, name="triage"),
    path("inbound/<int:pk>/", views.inbound_detail, name="inbound"),
    path("inbound/<int:pk>/html/", views.inbound_html, name="inbound_html"),
    path("inbound/<int:pk>/raw/", views.inbound_raw, name="inbound_raw"),
    path("inbound/<int:pk>/retry/", views.inbound_retry, name="inbound_retry"),
    path("inbound/<int:pk>/discard/", views.inbound_discard, name="inbound_discard"),
    path("inbound/<int:pk>/assign/", views.inbound_assign, name="inbound_assign"),
    path("original/<int:message_pk>/", views.message_original, name="message_original"),
    # Inbound webhook: POST only, signed by the provider, no login.
    path("webhook/", webhook.inbound, name="webhook"),
    path("webhook/<str:mailbox>/", webhook.inbound, name="webhook_mailbox"),
    # Outbox: what Goodwill sent or failed to send.
    path("outbox/", views_outbox.outbox_list, name="outbox"),
    path("outbox/<int:pk>/", views_outbox.outbox_message, name="outbox_message"),
    path("outbox/<int:pk>/retry/", views_outbox.outbox_retry, name="outbox_retry"),
    path("outbox/<int:pk>/cancel/", views_outbox.outbox_cancel, name="outbox_cancel"),
]
