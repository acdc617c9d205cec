from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "goodwill.billing"
    label = "billing"
