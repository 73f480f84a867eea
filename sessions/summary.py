"""The stored summary of each case that the caseload lists: written from `sessions.progress`, never by hand.

Call `refresh_case_summary(case)` after any write that changes what
`case_progress()` reads (sessions, reviews, films and their status, clips,
Helping Questions, goals and ratings, descriptions, consents, letters,
closing and reopening, the case's own status and dates), inside the write's
transaction, so the list never disagrees with the case page once committed.
`refresh_case_summaries()` rewrites many at once: the nightly safety net
(`refresh_case_summaries_task`, `manage.py refresh_case_summaries`) and the
scale seed use it.
"""

from collections.abc import Iterable, Iterator

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from cases.models import Case
from letters.models import TrajectLetter

from .models import CaseSummary
from .progress import PROGRESS_PREFETCH, Progress, case_progress

BATCH_SIZE = 500

_UPDATED = [f.name for f in CaseSummary._meta.concrete_fields if not f.primary_key]
# A letter's state is all the summary needs, not its content.
_LETTERS = Prefetch("letters", queryset=TrajectLetter.objects.only("case_id", "version", "status", "approved_at"))


def refresh_case_summary(case: Case | int) -> CaseSummary:
    """Rewrite one case's summary from its current rows (about ten queries)."""
    case_id = case if isinstance(case, int) else case.pk
    return _write(Case.objects.filter(pk=case_id))[0]


def refresh_case_summaries(cases: QuerySet[Case] | None = None, *, batch_size: int = BATCH_SIZE) -> int:
    """Rewrite the summaries of the given cases (all of them by default), a batch at a time; returns how many."""
    cases = Case.objects.all() if cases is None else cases
    written = 0
    for ids in _batches(cases.order_by("pk").values_list("pk", flat=True).iterator(), batch_size):
        written += len(_write(Case.objects.filter(pk__in=ids)))
    return written


def summary_of(case: Case, progress: Progress, now=None) -> CaseSummary:
    """The summary row for a case whose progress is worked out (and whose letters are fetched)."""
    watch = progress.watch
    withdrawn = watch.withdrawn_consents if watch else ()
    return CaseSummary(
        case=case,
        stage=progress.stage,
        cycle=progress.cycle,
        cycles_done=progress.cycles_done,
        next_step=progress.next_step[:200],
        last_contact=progress.last_contact,
        quiet_since=watch.quiet_since if watch else None,
        review_number=watch.review_number if watch else None,
        review_due_on=watch.review_due_on if watch else None,
        due_film_number=watch.due_film_number if watch else None,
        failed_film_number=watch.failed_film_number if watch else None,
        consent_withdrawn=bool(withdrawn),
        withdrawn_consents=",".join(withdrawn),
        films_awaiting_analysis=progress.films_awaiting_analysis,
        letter_status=letter_status(case.letters.all()),
        refreshed_at=now or timezone.now(),
    )


def letter_status(letters: Iterable) -> str:
    """The open letter's state if there is one (a draft, awaiting or approved), else finalised, else none."""
    Status = CaseSummary.LetterStatus
    letters = list(letters)
    for letter in letters:
        if letter.status == TrajectLetter.Status.AWAITING_APPROVAL:
            return Status.APPROVED if letter.approved_at else Status.AWAITING_APPROVAL
        if letter.status == TrajectLetter.Status.DRAFT:
            return Status.DRAFT
    return Status.FINALISED if letters else Status.NONE


def _write(cases: QuerySet[Case]) -> list[CaseSummary]:
    fetched = list(cases.prefetch_related(*PROGRESS_PREFETCH, _LETTERS))
    now = timezone.now()
    today = timezone.localdate()
    rows = [summary_of(case, case_progress(case, today=today), now) for case in fetched]
    CaseSummary.objects.bulk_create(rows, update_conflicts=True, unique_fields=["case"], update_fields=_UPDATED)
    return rows


def _batches(ids: Iterator[int], size: int) -> Iterator[list[int]]:
    batch = []
    for pk in ids:
        batch.append(pk)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
