"""Celery tasks of the sessions app: thin wrappers around plain functions."""

from celery import shared_task

from .summary import refresh_case_summaries


@shared_task(acks_late=True, soft_time_limit=60 * 60, time_limit=65 * 60)
def refresh_case_summaries_task() -> int:
    """Nightly safety net: rewrite every case's stored summary from the rules.

    Each write already refreshes its case's summary; this catches a write that
    forgot to (or a rule that changed in a deploy) within a day.
    """
    return refresh_case_summaries()
