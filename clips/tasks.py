"""Celery tasks: thin wrappers that take ids and call the pipeline."""

from celery import shared_task
from celery.signals import worker_ready

from . import clip_pipeline, pipeline

# Below the broker's visibility timeout (4 h, vig/settings.py), so a message is
# never handed to a second worker while the first is still within its limits.
FILM_SOFT_TIME_LIMIT = 3 * 60 * 60
FILM_TIME_LIMIT = FILM_SOFT_TIME_LIMIT + 10 * 60


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=FILM_SOFT_TIME_LIMIT,
    time_limit=FILM_TIME_LIMIT,
    autoretry_for=(pipeline.TransientError,),
    retry_backoff=30,
    retry_backoff_max=15 * 60,
    retry_jitter=True,
    max_retries=5,
)
def process_film_task(film_id: int) -> None:
    pipeline.process_film(film_id)


# Clips and stills take a second or less: they go on the default queue, so
# they never wait behind a long transcode on the media queue.
@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=10 * 60,
    time_limit=11 * 60,
    autoretry_for=(pipeline.TransientError,),
    retry_backoff=10,
    retry_backoff_max=5 * 60,
    retry_jitter=True,
    max_retries=5,
)
def process_clip_task(clip_id: int) -> None:
    clip_pipeline.process_clip(clip_id)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=5 * 60,
    time_limit=6 * 60,
    autoretry_for=(pipeline.TransientError,),
    retry_backoff=10,
    max_retries=5,
)
def process_still_task(still_id: int) -> None:
    clip_pipeline.process_still(still_id)


@shared_task(ignore_result=True)
def requeue_stalled_films_task() -> None:
    pipeline.requeue_stalled_films()


@shared_task(ignore_result=True)
def expire_abandoned_uploads_task() -> None:
    from .uploads import expire_abandoned_uploads

    expire_abandoned_uploads()


@worker_ready.connect
def recover_after_restart(sender=None, **kwargs):
    """A worker that starts after a crash picks up what the crash interrupted."""
    pipeline.clean_orphan_scratch()
    pipeline.requeue_stalled_films()
