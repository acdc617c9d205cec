from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "goodwill.api"
    label = "api"

    def ready(self) -> None:
        from goodwill.api import webhooks
        from goodwill.desk.events import ticket_event, ticket_events

        ticket_event.connect(webhooks.on_ticket_event, dispatch_uid="api.webhooks.ticket_event")
        ticket_events.connect(webhooks.on_ticket_events, dispatch_uid="api.webhooks.ticket_events")
