from django.urls import path

from goodwill.mail import webhook

app_name = "mail"

urlpatterns: list = [
    # Inbound webhook: POST only, signed by the provider, no login.
    path("webhook/", webhook.inbound, name="webhook"),
    path("webhook/<str:mailbox>/", webhook.inbound, name="webhook_mailbox"),
]
