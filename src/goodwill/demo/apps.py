from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "goodwill.demo"
    label = "demo"
