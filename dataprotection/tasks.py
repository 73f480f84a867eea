"""Celery tasks: thin wrappers around the retention job and the export builder."""

from celery import shared_task

from . import export, retention


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=60 * 60, time_limit=65 * 60)
def apply_retention_task() -> None:
    """Daily, from CELERY_BEAT_SCHEDULE: delete what is due today."""
    retention.apply_retention()


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=2 * 60 * 60, time_limit=2 * 60 * 60 + 600)
def build_export_task(export_id: int) -> None:
    export.build_export(export_id)
