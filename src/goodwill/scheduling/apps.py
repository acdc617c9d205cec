from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "goodwill.scheduling"
    label = "scheduling"
