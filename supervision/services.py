"""Writes in supervision: a note on a case, and a supervision session logged."""

from django.db import transaction

from audit.log import changed_fields, record
from audit.models import AuditEvent

from .models import SupervisionNote, SupervisionSession, supervises_case

Action = AuditEvent.Action


def may_write_note(user, case) -> bool:
    """The case's practitioner, and the supervisors of its team. Not an administrator as such:
    notes are a conversation between a supervisor and the practitioner they supervise."""
    return user.is_authenticated and (case.practitioner_id == user.pk or supervises_case(user, case))


def add_note(*, request, case, author, text: str, in_reply_to: SupervisionNote | None) -> SupervisionNote:
    """Save a note (or an answer) and its audit event together."""
    role = SupervisionNote.Role.PRACTITIONER if case.practitioner_id == author.pk else SupervisionNote.Role.SUPERVISOR
    with transaction.atomic():
        note = SupervisionNote.objects.create(
            case=case, author=author, author_role=role, text=text, in_reply_to=in_reply_to
        )
        record(request, Action.CREATE, note, summary="answer" if in_reply_to else "note")
    return note


def save_session(*, request, form, practitioner=None, supervisor=None) -> SupervisionSession:
    """Save a new or changed supervision session from its valid form, with its audit events."""
    creating = form.instance.pk is None
    with transaction.atomic():
        session = form.save(commit=False)
        if creating:
            session.practitioner = practitioner
            session.supervisor = supervisor
            session.recorded_by = supervisor
        session.save()
        form.save_m2m()
        action = Action.CREATE if creating else Action.UPDATE
        summary = "logged" if creating else changed_fields(form)
        # One event per case discussed, so the session shows in each case's audit log.
        for case in list(session.cases.all()) or [None]:
            record(request, action, session, case=case, summary=summary)
    return session
