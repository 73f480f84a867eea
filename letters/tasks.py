"""Celery tasks: thin wrappers that take ids and call the rendering functions."""

from celery import shared_task
from celery.signals import worker_ready

from clips import pipeline

from . import rendering, sweep


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=5 * 60,
    time_limit=6 * 60,
    autoretry_for=(pipeline.TransientError,),
    retry_backoff=10,
    max_retries=5,
)
def render_letter_pdf_task(letter_id: int) -> None:
    rendering.render_letter_pdf(letter_id)


@shared_task(ignore_result=True)
def requeue_stalled_renders_task() -> None:
    sweep.requeue_stalled_renders()


@worker_ready.connect
def recover_renders_after_restart(sender=None, **kwargs):
    """A worker that starts after a crash sends again the renders the crash interrupted."""
    sweep.requeue_stalled_renders()
