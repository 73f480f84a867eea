from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from .models import AuditEvent


@login_required
def event_list(request):
    """The audit log: all of it for administrators, their teams' cases for supervisors."""
    user = request.user
    if not (user.is_administrator or user.is_supervisor):
        raise PermissionDenied("The audit log is for supervisors and administrators.")
    events = AuditEvent.objects.visible_to(user).select_related("actor")
    reference = request.GET.get("case", "").strip()
    if reference:
        events = events.filter(case_reference__iexact=reference)
    action = request.GET.get("action", "")
    if action in AuditEvent.Action.values:
        events = events.filter(action=action)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/event_list.html",
        {"page": page, "reference": reference, "action": action, "actions": AuditEvent.Action.choices},
    )
