"""Celery tasks: thin wrappers that take ids and call the rendering functions."""

from celery import shared_task

from clips import pipeline

from . import rendering


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
