"""Changes to accounts that reach beyond one row: ending sessions."""

from django.db import transaction
from django.db.models import F

from audit.log import record
from audit.models import AuditEvent

from .models import User


def end_sessions(*, user: User) -> None:
    """End every session of the user: each one carries the old number and is flushed on its next request."""
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])


def end_other_sessions(*, user: User, request) -> None:
    """End every session of the user but the one making this request."""
    from .middleware import GENERATION_SESSION_KEY

    end_sessions(user=user)
    request.session[GENERATION_SESSION_KEY] = user.session_generation


def disable_user(*, user: User, request=None) -> None:
    """Disable an account: it can no longer log in, and every session it has ends now."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=False)
        user.is_active = False
        end_sessions(user=user)
        record(request, AuditEvent.Action.UPDATE, user, summary="disabled; sessions ended")
