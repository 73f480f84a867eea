"""The caseload pages: a practitioner's own caseload, and a supervisor's review of their teams'.

Both list cases from their stored summaries (`cases.caseload`), so filtering,
sorting and paging happen in the database and a page costs the same few
queries for 30 cases as for 20,000. Opening a case goes through the case page
(`get_case_for_user`), where supervisors read but do not edit.
"""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone

from .caseload import CaseloadFilterForm, caseload_page, counts_by_team, filter_caseload, spelled_out, teams_for
from .models import Case


@dataclass(frozen=True)
class Row:
    """What the table shows for one case on one day, from its stored summary."""

    case: Case
    summary: object  # vig_sessions.CaseSummary, or None before the first refresh
    reasons: list[str]
    days_since_contact: int | None

    @classmethod
    def of(cls, case: Case, today: date) -> "Row":
        summary = getattr(case, "summary", None) if _has_summary(case) else None
        last = summary.last_contact if summary else None
        return cls(
            case=case,
            summary=summary,
            reasons=summary.reasons(today) if summary else [],
            days_since_contact=(today - last).days if last else None,
        )


def _has_summary(case: Case) -> bool:
    try:
        case.summary  # noqa: B018 (select_related: no query)
    except Case.summary.RelatedObjectDoesNotExist:
        return False
    return True


def _rows(page, today):
    page.object_list = [Row.of(case, today) for case in page.object_list]
    return page


@login_required
def case_list(request):
    """My caseload: a practitioner's own cases (a supervisor's teams' cases too), needing attention first."""
    today = timezone.localdate()
    form = CaseloadFilterForm(request.GET)
    for name in ("team", "practitioner"):
        del form.fields[name]
    filters = form.cleaned()
    mine = request.GET.get("mine") == "1"
    if mine:
        filters["mine_of"] = request.user
    supervised = request.user.supervised_teams.values_list("pk", flat=True)
    visible = spelled_out(Case.objects.visible_to(request.user), request.user, supervised)
    cases = filter_caseload(visible, filters, today)
    page = _rows(caseload_page(cases, request.GET.get("page")), today)
    return render(
        request,
        "cases/case_list.html",
        {"page": page, "form": form, "mine": mine, "query": filters["q"], "today": today},
    )


@login_required
def caseload_review(request):
    """A supervisor's home: their teams, each practitioner's counts, and every case with its stage and flags."""
    user = request.user
    if not (user.is_supervisor or user.is_administrator):
        raise PermissionDenied("The caseload review is for supervisors.")
    today = timezone.localdate()
    teams = list(teams_for(user))
    visible = spelled_out(Case.objects.visible_to(user), user, [team.pk for team in teams])
    team_id = request.GET.get("team")
    counted = visible.filter(team_id=team_id) if team_id and team_id.isdigit() else visible
    counts = counts_by_team(counted, today)
    practitioners = [(p.pk, f"{p.name} ({team.name})") for team in counts for p in team.practitioners]
    form = CaseloadFilterForm(request.GET, teams=teams, practitioners=practitioners)
    filters = form.cleaned()
    cases = filter_caseload(visible, filters, today)
    page = _rows(caseload_page(cases, request.GET.get("page")), today)
    return render(
        request,
        "cases/caseload_review.html",
        {
            "page": page,
            "form": form,
            "counts": counts,
            "query": filters["q"],
            "selected_practitioner": filters.get("practitioner"),
            "today": today,
        },
    )
