from django.apps import AppConfig


class HappinessConfig(AppConfig):
    name = "goodwill.happiness"
    label = "happiness"
