from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "goodwill.mail"
    label = "mail"

    def ready(self) -> None:
        from goodwill.desk.events import ticket_event, ticket_events
        from goodwill.mail import notify

        ticket_event.connect(notify.on_ticket_event, dispatch_uid="goodwill.mail.notify")
        ticket_events.connect(notify.on_ticket_events, dispatch_uid="goodwill.mail.notify_batch")
