"""Which models the audit trail follows, and which of their fields it leaves out or masks.

django-auditlog records a LogEntry from the model signals: on every save of a registered model
it reads the row back once (pre_save) to compare, so only low-volume business records are
registered here. Tickets, messages, signals and scores are not: the desk's hot paths and the
demo's bulk loads stay exactly as fast as before.

Secrets never reach the log: a field whose name says it holds one (password, secret, token,
digest) is masked whole, so the log says *that* it changed, never what to.

Child records (a person's stakeholder roles, a policy's targets, a payment's allocations) also
store their fields in `serialized_data`, so the parent's page can find their history even
after the child row is deleted (services.history_for filters on it).
"""

from __future__ import annotations

from decimal import Decimal

from auditlog.signals import pre_log
from django.apps import apps
from django.db import models
from django.db.models.signals import pre_save

# Written by the services that keep them (or derived on save): recording them would put noise
# in every entry. Timestamps say when, and the entry has its own.
NOISY = ["created_at", "updated_at"]
SECRET_WORDS = ("password", "secret", "token", "digest", "api_key")
MASK = "(hidden)"


def mask(value: str) -> str:
    """The whole value goes: half a password or token hash is still too much."""
    return MASK


def _same_decimal_places(sender, instance, **kwargs) -> None:
    """A form's 20 is the database's 20.00: say it the database's way before django-auditlog
    compares the two as text (connected ahead of it), so a save without a change logs nothing."""
    for model_field in sender._meta.concrete_fields:
        if isinstance(model_field, models.DecimalField):
            value = getattr(instance, model_field.attname)
            if isinstance(value, Decimal) and value.is_finite():
                exponent = Decimal(1).scaleb(-model_field.decimal_places)
                setattr(instance, model_field.attname, value.quantize(exponent))


def _skip_people_created_without_access(sender, instance, action, **kwargs) -> bool:
    """Mail intake and imports create people all day; only a grant of access is news."""
    from auditlog.models import LogEntry

    return not (action == LogEntry.Action.CREATE and not instance.portal_access)


def _secret_fields(model) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if any(w in f.name for w in SECRET_WORDS)]


def _register(
    label: str,
    *,
    exclude: tuple[str, ...] = (),
    include: tuple[str, ...] = (),
    children: bool = False,
    labels: dict[str, str] | None = None,
    many: tuple[str, ...] = (),
) -> None:
    from auditlog.registry import auditlog

    model = apps.get_model(label)
    field_names = {f.name for f in model._meta.concrete_fields}
    # A new record's entry would otherwise list its reverse relations ("tickets") and its id.
    not_values = [f.name for f in model._meta.get_fields() if not f.concrete] + ["id"]
    secrets = _secret_fields(model)
    pre_save.connect(_same_decimal_places, sender=model, dispatch_uid=f"audit-decimals-{label}")
    options: dict = {
        "exclude_fields": [f for f in (*NOISY, *exclude) if f in field_names] + not_values,
        "mask_fields": secrets,
        "mask_callable": "goodwill.audit.registry.mask",
        "mapping_fields": labels or {},
        "m2m_fields": set(many),
    }
    if include:
        options["include_fields"] = list(include)
    if children and not secrets:
        options["serialize_data"] = True
        options["serialize_auditlog_fields_only"] = True
    auditlog.register(model, **options)


def register_audited_models() -> None:
    # Contracts and their settings.
    _register(
        "contracts.Contract",
        exclude=("notice_deadline", "monthly_value"),
        labels={"sla_policy": "SLA policy"},
        many=("sites",),
    )
    _register("contracts.SLAPolicy")
    _register("contracts.SLATarget", children=True)
    # Money. The PDF is a rendering of the stored values, not a change of its own.
    _register("billing.Invoice", exclude=("pdf",))
    _register("billing.Payment", exclude=("import_key",), children=True)
    _register("billing.Allocation", children=True)
    _register("billing.BillingProfile", children=True)
    # Who is who: a client's stakeholder roles and the team's staff roles.
    _register("clients.PersonRole", children=True)
    # A person's own record only for the permission it holds: may they use the client portal.
    _register(
        "clients.Person",
        include=("portal_access",),
        labels={"portal_access": "May sign in to the portal"},
    )
    pre_log.connect(_skip_people_created_without_access, sender=apps.get_model("clients.Person"))
    _register(
        "accounts.User",
        include=(
            "username", "first_name", "last_name", "email", "role", "is_active",
            "is_superuser", "time_zone",
        ),
        labels={"role": "Staff role", "is_active": "May sign in", "is_superuser": "Superuser"},
    )  # fmt: skip
    # Settings.
    _register("happiness.TouchCadence")
    _register(
        "portal.PortalPolicy",
        children=True,
        labels={
            "boss_sees_colleagues": "The boss sees every ticket of the company",
            "pa_sees_colleagues": "The PA sees every ticket of the company",
            "everyone_sees_colleagues": "Everyone sees every ticket of the company",
        },
    )
    _register(
        "mail.Mailbox",
        # Poller state, written on every poll: not a change anybody made.
        exclude=(
            "imap_uidvalidity", "imap_last_uid", "lease_token", "lease_until",
            "last_polled_at", "last_error",
        ),
    )  # fmt: skip
    _register("api.ApiToken", exclude=("last_used_at",))
    _register("api.WebhookSubscription")
