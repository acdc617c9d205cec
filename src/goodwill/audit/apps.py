from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "goodwill.audit"
    label = "audit"

    def ready(self) -> None:
        # Registration needs every app's models loaded, so it happens here and not at import.
        from goodwill.audit.registry import register_audited_models

        register_audited_models()
