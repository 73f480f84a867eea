from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect


@login_required
def home(request):
    """Supervisors start from the review of their teams' caseloads; practitioners from their own caseload."""
    if request.user.is_supervisor or request.user.is_administrator:
        return redirect("cases:review")
    return redirect("cases:list")
