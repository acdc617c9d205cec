from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "goodwill.contracts"
    label = "contracts"
