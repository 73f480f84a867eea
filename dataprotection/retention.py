"""Retention: when each kind of record goes, and the daily job that deletes what is due.

Every date is counted from the day the case closed (`Case.closed_on`) with the
periods of the RetentionPolicy. Nothing is stored: a changed policy moves every
date at once, and reopening a case (which clears `closed_on`) takes its dates
away until it closes again.
"""

import calendar
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import Case
from clips.models import Clip, Film, Still
from letters.models import TrajectLetter

from .models import RetentionPolicy, RetentionRun, SubjectAccessExport

logger = logging.getLogger(__name__)

# The dry-run report looks this far ahead.
LOOKAHEAD_DAYS = 30
# A subject access export nobody downloaded is removed after this many days.
EXPORT_KEEP_DAYS = 7

# What the job deletes, in the words shown to administrators.
KINDS = {
    "record": "Case records, erased whole",
    "letter": "Traject Letters (with their records)",
    "original": "Original films",
    "playback": "Playback copies, with posters and thumbnails",
    "clip": "Clips",
    "still": "Stills",
    "film": "Film entries whose files have all gone",
}


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the 31st becomes the last day of a shorter month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def closed_on_or_before(on: date, months: int) -> date:
    """The last closing date whose period of `months` has ended by `on` (add_months(closed, months) <= on).

    The inverse of add_months, so a query on the closing date agrees with the
    dates shown on each record, month ends included.
    """
    month_index = on.month - 1 - months
    year, month = on.year + month_index // 12, month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    on_last_day = on.day == calendar.monthrange(on.year, on.month)[1]
    return date(year, month, last if on_last_day else min(on.day, last))


@dataclass(frozen=True)
class RetentionDates:
    """When each part of a closed case goes."""

    closed_on: date
    original: date
    playback: date
    clip: date
    film: date
    record: date

    @property
    def still(self) -> date:
        # Stills are frames of clips and go with them; a finalised letter keeps
        # its own copy inside the PDF.
        return self.clip

    @property
    def letter(self) -> date:
        return self.record


def dates_for(case: Case, policy: RetentionPolicy) -> RetentionDates | None:
    """None while the case is open: nothing is due before it closes."""
    if not case.is_closed or case.closed_on is None:
        return None
    closed = case.closed_on
    return RetentionDates(
        closed_on=closed,
        original=add_months(closed, policy.original_film_months),
        playback=add_months(closed, policy.playback_months),
        clip=add_months(closed, policy.clip_months),
        film=add_months(closed, _film_entry_months(policy)),
        record=add_months(closed, policy.record_months),
    )


def _film_entry_months(policy: RetentionPolicy) -> int:
    # A film's entry (date, activity, its clips' captions) goes when the last of its files has gone.
    return max(policy.original_film_months, policy.playback_months, policy.clip_months)


def _closed_by(prefix: str, on: date, months: int) -> Q:
    return Q(**{f"{prefix}status": Case.Status.CLOSED, f"{prefix}closed_on__lte": closed_on_or_before(on, months)})


def due(on: date, policy: RetentionPolicy) -> dict[str, QuerySet]:
    """What is due for deletion on `on` (and before, if a run was missed), one queryset per kind."""
    record = policy.record_months
    return {
        "record": Case.objects.filter(_closed_by("", on, record)),
        "letter": TrajectLetter.objects.filter(_closed_by("case__", on, record)),
        "original": Film.objects.filter(_closed_by("case__", on, policy.original_film_months)).exclude(original=""),
        "playback": Film.objects.filter(_closed_by("case__", on, policy.playback_months)).filter(
            ~Q(playback="") | ~Q(poster="") | ~Q(thumbnails="")
        ),
        "clip": Clip.objects.filter(_closed_by("film__case__", on, policy.clip_months)).filter(
            ~Q(video="") | ~Q(poster="")
        ),
        "still": Still.objects.filter(_closed_by("clip__film__case__", on, policy.clip_months)).exclude(image=""),
        "film": Film.objects.filter(_closed_by("case__", on, _film_entry_months(policy))),
    }


REFERENCE_PATHS = {
    "record": "reference",
    "letter": "case__reference",
    "original": "case__reference",
    "playback": "case__reference",
    "clip": "film__case__reference",
    "still": "clip__film__case__reference",
    "film": "case__reference",
}


@dataclass(frozen=True)
class ReportLine:
    kind: str
    label: str
    count: int
    references: list[str]


def dry_run(today: date | None = None, *, days: int = LOOKAHEAD_DAYS) -> list[ReportLine]:
    """What the daily job will delete between today and `days` from now: counts and case references.

    One query per kind, whatever the number of cases. A case erased whole
    takes its files with it, so it may be counted under several kinds.
    """
    today = today or timezone.localdate()
    policy = RetentionPolicy.load()
    lines = []
    for kind, qs in due(today + timedelta(days=days), policy).items():
        per_case = qs.values(ref=F(REFERENCE_PATHS[kind])).annotate(n=Count("pk", distinct=True)).order_by("ref")
        rows = list(per_case)
        lines.append(ReportLine(kind, KINDS[kind], sum(r["n"] for r in rows), [r["ref"] for r in rows]))
    return lines


# The daily job ---------------------------------------------------------------

FILE_FIELDS = {
    "original": ("original",),
    "playback": ("playback", "poster", "thumbnails"),
    "clip": ("video", "poster"),
    "still": ("image",),
}


def apply_retention(today: date | None = None) -> RetentionRun:
    """Delete everything whose retention period has ended by `today`, from storage too.

    In order: whole records first (their files go with them, so nothing is
    deleted twice); then files, each deleted from storage *before* its row
    forgets it, so a failed delete leaves the row naming the file and
    tomorrow's run tries again; then the entries of films left with no file.
    Logs and keeps counts and case references, never content, and writes one
    audit event per case it touched.
    """
    from .services import ErasureError, erase_case

    today = today or timezone.localdate()
    policy = RetentionPolicy.load()
    counts: Counter[str] = Counter()
    per_case: dict[str, Counter[str]] = defaultdict(Counter)
    failures = 0

    work = due(today, policy)
    for case in work["record"].select_related("client", "child"):
        try:
            erasure = erase_case(case=case, by=None, reason="The retention period ended.", on_request=False)
        except Exception as exc:  # noqa: BLE001 - one case that cannot go must not stop the rest of the run
            kind = "files" if isinstance(exc, ErasureError) else type(exc).__name__
            logger.exception("retention: could not erase %s (%s); it will be tried again", case.reference, kind)
            failures += 1
            continue
        counts["record"] += 1
        counts["letter"] += erasure.rows.get("letters.trajectletter", 0)
        per_case[case.reference]["record"] += 1

    file_kinds = (("original", "case"), ("playback", "case"), ("clip", "film__case"), ("still", "clip__film__case"))
    for kind, related in file_kinds:
        for obj in work[kind].select_related(related):
            case = _case_of(obj)
            cleared, failed = _delete_files(obj, FILE_FIELDS[kind])
            failures += failed
            if not cleared:
                continue
            with transaction.atomic():
                type(obj).objects.filter(pk=obj.pk).update(**dict.fromkeys(cleared, ""))
                _audit(case, obj, f"retention: deleted {', '.join(cleared)}")
            counts[kind] += 1
            per_case[case.reference][kind] += 1

    for film in work["film"].select_related("case"):
        if not _delete_film_entry(film):
            failures += 1
            continue
        counts["film"] += 1
        per_case[film.case.reference]["film"] += 1

    counts["export"] = _expire_exports(today)
    counts = Counter({kind: n for kind, n in counts.items() if n})
    run = RetentionRun.objects.create(on=today, counts=dict(counts), references=sorted(per_case), failures=failures)
    logger.info(
        "retention on %s: deleted %s for cases %s; %d failures",
        today.isoformat(),
        dict(counts) or "nothing",
        ", ".join(sorted(per_case)) or "none",
        failures,
    )
    return run


def _case_of(obj) -> Case:
    if isinstance(obj, Film):
        return obj.case
    if isinstance(obj, Clip):
        return obj.film.case
    return obj.clip.film.case


def _delete_files(obj, fields) -> tuple[list[str], int]:
    """Delete the object's files in storage; the fields whose file is gone, and the number that failed."""
    cleared, failed = [], 0
    for name in fields:
        fieldfile = getattr(obj, name)
        if not fieldfile:
            continue
        try:
            fieldfile.storage.delete(fieldfile.name)
        except Exception:  # noqa: BLE001 - any storage error: keep the row, try again tomorrow
            logger.exception("retention: could not delete a %s file of %s", name, obj._meta.label_lower)
            failed += 1
            continue
        cleared.append(name)
    return cleared, failed


def _delete_film_entry(film: Film) -> bool:
    """Delete a film's row with its clips, stills and notes, after any file they still name."""
    from .holdings import collect

    for held in collect([film]).files():
        try:
            held.storage.delete(held.name)
        except Exception:  # noqa: BLE001 - keep the rows naming it; tried again tomorrow
            logger.exception("retention: could not delete a file of film %s", film.pk)
            return False
    with transaction.atomic():
        _audit(film.case, film, "retention: film entry deleted")
        film.delete()
    return True


def _expire_exports(today: date) -> int:
    """Subject access exports nobody downloaded go after EXPORT_KEEP_DAYS.

    One still waiting or being built after a day lost its worker (killed
    mid-build): it is marked failed, so the administrator starts it again.
    """
    SubjectAccessExport.objects.filter(
        status__in=[SubjectAccessExport.Status.QUEUED, SubjectAccessExport.Status.BUILDING],
        created_at__date__lt=today - timedelta(days=1),
    ).update(
        status=SubjectAccessExport.Status.FAILED, error="The export stopped before it was finished. Start it again."
    )
    stale = SubjectAccessExport.objects.filter(
        status=SubjectAccessExport.Status.READY, finished_at__date__lte=today - timedelta(days=EXPORT_KEEP_DAYS)
    )
    expired = 0
    for export in stale:
        if export.file:
            try:
                export.file.storage.delete(export.file.name)
            except Exception:  # noqa: BLE001
                logger.exception("retention: could not delete subject access export %s", export.pk)
                continue
        SubjectAccessExport.objects.filter(pk=export.pk).update(status=SubjectAccessExport.Status.EXPIRED, file="")
        expired += 1
    return expired


def _audit(case: Case, obj, summary: str) -> None:
    from audit.log import record

    record(None, AuditEvent.Action.DELETE, obj, case=case, summary=summary)
