"""Sending again the letter PDFs whose render stalled: the letters' part of the stalled-work sweep.

The clips sweep (clips.pipeline.requeue_stalled_films) does the same for films,
clips and stills. A letter's render follows the same lease pattern, on
`render_status` rather than `status` (a letter's `status` is about drafting).
"""

import logging
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from .models import TrajectLetter

logger = logging.getLogger(__name__)

# A render waiting with no lease for longer than this has lost its queue message.
LOST_MESSAGE_AFTER = timedelta(minutes=5)


def stalled_renders():
    """Letters whose render worker died (lease lapsed) or whose render message was lost (no lease for a while)."""
    now = timezone.now()
    return TrajectLetter.objects.filter(render_status=TrajectLetter.RenderStatus.PROCESSING).filter(
        Q(lease_until__lt=now) | Q(lease_until__isnull=True, updated_at__lt=now - LOST_MESSAGE_AFTER)
    )


def requeue_stalled_renders() -> list[int]:
    """Queue the render of each stalled letter again; returns their ids.

    The render itself counts attempts and gives up after rendering.MAX_ATTEMPTS,
    so a letter that kills its worker every time ends failed, not in a loop.
    """
    from .tasks import render_letter_pdf_task

    now = timezone.now()
    ids = list(stalled_renders().values_list("pk", flat=True))
    for pk in ids:
        # Touch a waiting one, so the next sweep does not send it again at once.
        TrajectLetter.objects.filter(pk=pk, lease_until__isnull=True).update(updated_at=now)
        render_letter_pdf_task.delay(pk)
    if ids:
        logger.info("requeued %d stalled letter render(s)", len(ids))
    return ids
