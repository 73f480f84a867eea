"""Writing audit events. Views call `record()` right after the change they make."""

from django.db import models

from .models import AuditEvent


def client_ip(request) -> str | None:
    # REMOTE_ADDR only: a proxy's X-Forwarded-For is trusted at the proxy
    # (see docs/deploy.md), never from whatever the client sends.
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(
    request,
    action: str,
    obj: models.Model | None = None,
    *,
    case=None,
    summary: str = "",
    actor=None,
) -> AuditEvent:
    """Record one event. `obj` is the record acted on; its case is found from it.

    `summary` names what changed (field names), never the values typed into notes.
    """
    from cases.models import Case

    if case is None and obj is not None:
        case = obj if isinstance(obj, Case) else getattr(obj, "case", None)
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    return AuditEvent.objects.create(
        actor=actor,
        actor_name=actor.get_username() if actor is not None else "",
        action=action,
        case=case,
        case_reference=case.reference if case is not None else "",
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_label=_label(obj),
        summary=summary[:255],
        ip_address=client_ip(request),
    )


def changed_fields(form) -> str:
    """'changed: status, setting' from a bound form, naming fields and not values."""
    if not form.changed_data:
        return "no changes"
    return "changed: " + ", ".join(form.changed_data)


def _label(obj) -> str:
    if obj is None:
        return ""
    # Labels are short type-and-reference names, not free text: a goal is
    # "Goal 2", never the words of the goal.
    audit_label = getattr(obj, "audit_label", None)
    if audit_label is not None:
        return str(audit_label)[:200]
    return f"{obj._meta.verbose_name} {obj.pk}"[:200]
