from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect


@login_required
def home(request):
    """Everyone starts from the caseload they can see."""
    return redirect("cases:list")
