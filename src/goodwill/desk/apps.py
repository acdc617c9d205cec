from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "goodwill.desk"
    label = "desk"
