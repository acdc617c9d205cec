from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "goodwill.portal"
    label = "portal"
