from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "goodwill.mail"
    label = "mail"
