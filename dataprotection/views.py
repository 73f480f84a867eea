"""Data protection pages. Administrators only: every view starts with `_administrator`."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header

from audit.log import record
from audit.models import AuditEvent
from cases.models import Case
from cases.views import get_case_for_user

from . import retention, services
from .forms import EraseCaseForm
from .models import CaseErasure, RetentionPolicy, RetentionRun, SubjectAccessExport

Action = AuditEvent.Action
Status = SubjectAccessExport.Status

CHUNK_SIZE = 256 * 1024


def _administrator(request) -> None:
    if not request.user.is_administrator:
        raise PermissionDenied("Data protection is for administrators.")


@login_required
def overview(request):
    """The retention policy, what goes in the next 30 days (dry run), and the recent runs, erasures and exports."""
    _administrator(request)
    today = timezone.localdate()
    return render(
        request,
        "dataprotection/overview.html",
        {
            "policy": RetentionPolicy.load(),
            "today": today,
            "until": today + timedelta(days=retention.LOOKAHEAD_DAYS),
            "report": retention.dry_run(today),
            "runs": RetentionRun.objects.all()[:10],
            "erasures": CaseErasure.objects.all()[:10],
            "exports": SubjectAccessExport.objects.select_related("requested_by")[:10],
        },
    )


@login_required
def erase(request, reference):
    """Erase a case on request: a reason, and the reference typed again to confirm."""
    _administrator(request)
    case = get_case_for_user(request, reference)
    form = EraseCaseForm(request.POST or None, reference=case.reference)
    if request.method == "POST" and form.is_valid():
        try:
            erasure = services.erase_case(
                case=case, by=request.user, reason=form.cleaned_data["reason"], request=request
            )
        except services.ErasureError as exc:
            messages.error(request, str(exc))
            return redirect("dataprotection:erase", reference=reference)
        messages.success(
            request,
            f"Case {erasure.reference} erased: {erasure.row_count} records and {erasure.files} files deleted.",
        )
        return redirect("dataprotection:overview")
    return render(
        request,
        "dataprotection/erase.html",
        {
            "case": case,
            "form": form,
            "other_cases": Case.objects.filter(client=case.client).exclude(pk=case.pk).count(),
        },
    )


@login_required
def export_start(request, reference):
    """Start a subject access export of the case's client: all of their cases."""
    _administrator(request)
    case = get_case_for_user(request, reference)
    cases = Case.objects.filter(client=case.client).order_by("opened_on", "pk")
    if request.method == "POST":
        export = services.start_export(client=case.client, requested_by=request.user, request=request)
        return redirect(export)
    return render(request, "dataprotection/export_start.html", {"case": case, "cases": cases})


def _export_for(request, export_id) -> SubjectAccessExport:
    """An export is its requester's: another administrator is told it does not exist."""
    _administrator(request)
    exports = SubjectAccessExport.objects.select_related("client")
    return get_object_or_404(exports, pk=export_id, requested_by=request.user)


@login_required
def export_detail(request, export_id):
    export = _export_for(request, export_id)
    status = 410 if export.status in (Status.DOWNLOADED, Status.EXPIRED) else 200
    return render(request, "dataprotection/export_detail.html", {"export": export}, status=status)


@login_required
def export_status(request, export_id):
    export = _export_for(request, export_id)
    return JsonResponse(
        {
            "status": export.status,
            "status_label": export.get_status_display(),
            "progress": export.progress,
            "step": export.step,
        }
    )


@login_required
def export_download(request, export_id):
    """Send the zip once, then delete it. A second request finds it gone (410).

    Streamed through this view even when media are in a bucket: a signed URL
    could be fetched again, and the file could not be removed after the one
    download.
    """
    export = _export_for(request, export_id)
    taken = SubjectAccessExport.objects.filter(pk=export.pk, status=Status.READY).exclude(file="")
    if not taken.update(status=Status.DOWNLOADED, downloaded_at=timezone.now()):
        return render(request, "dataprotection/export_detail.html", {"export": export, "gone": True}, status=410)
    for case in Case.objects.filter(reference__in=export.case_references):
        record(request, Action.VIEW, export, case=case, summary="subject access export downloaded")
    fieldfile = export.file
    response = StreamingHttpResponse(_read_then_delete(export.pk, fieldfile), content_type="application/zip")
    response["Content-Length"] = str(fieldfile.storage.size(fieldfile.name))
    response["Content-Disposition"] = content_disposition_header(True, export.download_name())
    response["Cache-Control"] = "private, no-store"
    return response


def _read_then_delete(export_pk: int, fieldfile):
    """Yield the file's bytes; whether the download finishes or is broken off, the file goes."""
    storage, name = fieldfile.storage, fieldfile.name
    try:
        with storage.open(name, "rb") as fh:
            while chunk := fh.read(CHUNK_SIZE):
                yield chunk
    finally:
        storage.delete(name)
        SubjectAccessExport.objects.filter(pk=export_pk).update(file="")
