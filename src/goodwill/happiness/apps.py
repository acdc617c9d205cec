from django.apps import AppConfig


class HappinessConfig(AppConfig):
    name = "goodwill.happiness"
    label = "happiness"

    def ready(self) -> None:
        from goodwill.desk.events import ticket_event, ticket_events
        from goodwill.happiness.receivers import on_ticket_event, on_ticket_events

        ticket_event.connect(on_ticket_event, dispatch_uid="happiness.ticket_event")
        ticket_events.connect(on_ticket_events, dispatch_uid="happiness.ticket_events")
