"""Erasing a case and starting a subject access export: writes that span many models, storage and the queue."""

import logging

from django.db import models, transaction

from audit.log import record
from audit.models import AuditEvent
from cases.models import Case, Client

from .holdings import HeldFile, collect
from .models import CaseErasure, SubjectAccessExport

logger = logging.getLogger(__name__)

Action = AuditEvent.Action


class ErasureError(Exception):
    """Some files could not be deleted; no row was touched, and erasing again finishes the job."""


def erase_case(*, case: Case, by, reason: str, on_request: bool = True, request=None) -> CaseErasure:
    """Erase a case: every file, then every row, leaving only the record that it was erased.

    The order is what makes a failure safe:
    1. Every file is found while the rows naming them still exist, and deleted
       from storage. If one cannot be deleted we stop there, before any row
       goes: the record is whole (some media may already be missing) and
       erasing again deletes the rest (deleting a missing file is a no-op).
       Deleting rows first would lose the only list of files left to delete.
    2. All rows go in one transaction: the case with everything that cascades
       from it (found by Django's Collector, so models added later are
       included), the client's subject access exports, and the client and
       child unless another case still needs them. The audit log keeps its
       events (references and labels, no content) with the link to the case
       cleared, and one new event names the reference and who erased it.
    A file a worker saves between the two steps (a clip finishing) is caught
    by collecting again inside the transaction.
    """
    reference = case.reference
    client, child = case.client, case.child
    exports = list(SubjectAccessExport.objects.filter(client=client))
    deleted = _delete_files(_held_files(case, client, child, exports))

    with transaction.atomic():
        case = Case.objects.select_for_update().select_related("client", "child").get(pk=case.pk)
        holdings = collect([case])
        # Anything saved since the first pass.
        late = [f for f in _held_files(case, client, child, exports) if (f.storage, f.name) not in deleted]
        deleted |= _delete_files(late)
        rows = holdings.counts()
        name = by.get_username() if by is not None else ""
        erasure = CaseErasure.objects.create(
            reference=reference,
            kind=CaseErasure.Kind.REQUEST if on_request else CaseErasure.Kind.RETENTION,
            erased_by=by,
            erased_by_name=name,
            reason=reason,
            rows=rows,
            files=len(deleted),
        )
        # Written before the case goes: the event keeps the reference as text
        # when its link to the case is cleared a moment later.
        how = "on request" if on_request else "at the end of the retention period"
        record(request, Action.DELETE, case, actor=by, summary=f"erased {how} (erasure record {erasure.pk})")
        SubjectAccessExport.objects.filter(client=client).delete()
        case.delete()
        if not Case.objects.filter(client=client).exists():
            Client.objects.filter(pk=client.pk).delete()
            rows["cases.client"] = 1
        if not Case.objects.filter(child=child).exists():
            type(child).objects.filter(pk=child.pk).delete()
            rows["cases.child"] = 1
        if exports:
            rows["dataprotection.subjectaccessexport"] = len(exports)
        CaseErasure.objects.filter(pk=erasure.pk).update(rows=rows)
        erasure.rows = rows
    for path in holdings.local_files:
        path.unlink(missing_ok=True)
    logger.info("erased case %s: %d rows, %d files", reference, sum(rows.values()), len(deleted))
    return erasure


def _held_files(case, client, child, exports) -> list[HeldFile]:
    held = collect([case]).files()
    for export in exports:
        if export.file:
            label = "dataprotection.subjectaccessexport"
            held.append(HeldFile(label, "file", export.pk, export.file.storage, export.file.name))
    # The client and child go when no other case needs them, with whatever
    # hangs off them (found the same way, so later models are included).
    for person, link in ((client, "client"), (child, "child")):
        if not Case.objects.filter(**{link: person}).exclude(pk=case.pk).exists():
            held += collect(_owned_by(person)).files()
    return held


def _owned_by(person) -> list:
    """Rows that cascade from a client or child, apart from their cases and the exports handled above."""
    rows = []
    for rel in person._meta.related_objects:
        if rel.many_to_many or rel.related_model in (Case, SubjectAccessExport):
            continue
        if rel.on_delete is models.CASCADE:
            rows += list(rel.related_model._base_manager.filter(**{rel.field.name: person}))
    return rows


def _delete_files(files: list[HeldFile]) -> set:
    deleted = set()
    for held in files:
        try:
            held.storage.delete(held.name)
        except Exception as exc:  # noqa: BLE001 - any storage failure stops the erasure before rows go
            logger.exception("erasure: could not delete a file of %s", held.label)
            raise ErasureError(
                "Some files could not be deleted, so nothing else was erased. Try again in a few minutes."
            ) from exc
        deleted.add((held.storage, held.name))
    return deleted


def start_export(*, client: Client, requested_by, request=None) -> SubjectAccessExport:
    """Queue a subject access export of everything held about the client, across all their cases."""
    from .tasks import build_export_task

    with transaction.atomic():
        cases = list(Case.objects.filter(client=client).order_by("opened_on", "pk"))
        export = SubjectAccessExport.objects.create(
            client=client, requested_by=requested_by, case_references=[c.reference for c in cases]
        )
        for case in cases:
            record(request, Action.VIEW, export, case=case, actor=requested_by, summary="subject access export started")
        transaction.on_commit(lambda: build_export_task.delay(export.pk))
    return export
