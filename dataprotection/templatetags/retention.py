"""{% retention_panel obj %}: when a case, film, clip or letter will be deleted under the retention policy."""

from django import template
from django.utils import timezone

from cases.models import Case
from clips.models import Clip, Film
from letters.models import TrajectLetter

from ..models import RetentionPolicy
from ..retention import dates_for

register = template.Library()


@register.inclusion_tag("dataprotection/includes/retention_panel.html", takes_context=True)
def retention_panel(context, obj):
    case = obj if isinstance(obj, Case) else context.get("case") or obj.case
    dates = dates_for(case, RetentionPolicy.load())
    return {
        "case": case,
        "user": context.get("user"),
        "is_case": isinstance(obj, Case),
        "lines": _lines(obj, dates) if dates else [],
        "today": timezone.localdate(),
    }


def _lines(obj, dates) -> list[tuple[str, object, bool]]:
    """(what, when, already gone) for each part of the record this page shows."""
    if isinstance(obj, Film):
        return [
            ("The original film file", dates.original, not obj.original),
            ("The playback copy, poster and thumbnails", dates.playback, not obj.playback),
            ("This film's entry, with its clips and notes", dates.film, False),
        ]
    if isinstance(obj, Clip):
        return [("This clip's video and the stills taken from it", dates.clip, not obj.video)]
    if isinstance(obj, TrajectLetter):
        return [("This letter, with the whole record", dates.letter, False)]
    return [
        ("Original film files", dates.original, False),
        ("Playback copies, clips and stills", min(dates.playback, dates.clip), False),
        ("The Traject Letter and the whole record", dates.record, False),
    ]
