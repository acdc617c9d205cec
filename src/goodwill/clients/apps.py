from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "goodwill.clients"
    label = "clients"
