"""{% history obj %}: the "History" section of a record's page (who changed what, and when)."""

from __future__ import annotations

from django import template

from goodwill.audit import services

register = template.Library()


@register.inclusion_tag("audit/_history.html", takes_context=True)
def history(context: template.Context, obj, *children: str, title: str = "History") -> dict:
    """`children` name related records shown with it, e.g. "clients.PersonRole:person"."""
    from goodwill.accounts.permissions import can

    user = context.get("user")
    model = type(obj)._meta.label_lower if obj is not None and obj.pk else ""
    readable = {m._meta.label_lower for m in services.models_visible_to(user)}
    return {
        "entries": services.history_for(obj, *children),
        "title": title,
        "log_query": f"model={model}&object={obj.pk}" if model else "",
        "can_read_log": model in readable and can(user, "audit.view"),
        "section_id": f"history-{model.replace('.', '-')}-{obj.pk if obj is not None else 0}",
    }


@register.inclusion_tag("audit/_history.html", takes_context=True)
def recent_history(context: template.Context, *labels: str, title: str = "History") -> dict:
    """The latest changes to any record of these models, e.g. "happiness.TouchCadence"."""
    from goodwill.accounts.permissions import can

    user = context.get("user")
    model = labels[0].lower() if len(labels) == 1 else ""
    readable = {m._meta.label_lower for m in services.models_visible_to(user)}
    return {
        "entries": services.recent_for_models(*labels),
        "title": title,
        "log_query": f"model={model}" if model else "",
        "can_read_log": model in readable and can(user, "audit.view"),
        "section_id": "history-" + "-".join(label.lower().replace(".", "-") for label in labels),
    }
