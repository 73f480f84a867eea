from django import template

from clips.models import Film

from ..models import SupervisionSession
from ..services import may_write_note
from ..threads import note_threads

register = template.Library()


@register.inclusion_tag("supervision/includes/case_panel.html", takes_context=True)
def supervision_panel(context, case):
    """Supervision on the case page: three queries, however many notes, films and sessions."""
    user = context["request"].user
    threads = note_threads(case)
    return {
        "case": case,
        "user": user,
        "csrf_token": context.get("csrf_token"),
        "can_edit": context.get("can_edit", False),
        "threads": threads,
        "waiting": sum(thread.awaits_answer for thread in threads),
        "can_write": may_write_note(user, case),
        "review_films": Film.objects.of_a_review().filter(case=case),
        "supervision_sessions": SupervisionSession.objects.visible_to(user)
        .filter(cases=case)
        .select_related("supervisor"),
    }
