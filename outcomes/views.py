"""Outcomes pages: a team's or a practitioner's closed cases over a period, and the same figures as CSV.

Who sees what: an administrator every team and practitioner; a supervisor the
teams they supervise and the practitioners in them; a practitioner their own
outcomes. Anything else is a 404, the same as a team that does not exist. The
cases counted are always `Case.objects.visible_to(user)`, narrowed to the team
or practitioner.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from audit.log import record
from audit.models import AuditEvent
from cases.models import Case, Team
from clips.profile import clips_of_cases, principle_profile

from . import charts, export, figures
from .forms import PeriodForm

Action = AuditEvent.Action
User = get_user_model()

GOALS_PER_PAGE = 25


def _teams_for(user):
    return Team.objects.all() if user.is_administrator else user.supervised_teams.all()


def _practitioners_for(user):
    if user.is_administrator:
        return User.objects.all()
    return User.objects.filter(Q(pk=user.pk) | Q(team__in=user.supervised_teams.values("pk")))


@login_required
def index(request):
    """The teams and practitioners whose outcomes the user may read; a practitioner goes to their own."""
    user = request.user
    if not (user.is_administrator or user.is_supervisor):
        return redirect("outcomes:practitioner", user_id=user.pk)
    teams = _teams_for(user).order_by("name")
    practitioners = (
        _practitioners_for(user)
        .filter(Q(team__isnull=False) | Q(pk=user.pk))
        .select_related("team")
        .order_by("team__name", "first_name", "last_name", "username")
    )
    return render(request, "outcomes/index.html", {"teams": teams, "practitioners": practitioners})


def _period_form(request) -> PeriodForm:
    chosen = "start" in request.GET or "end" in request.GET
    return PeriodForm(request.GET if chosen else None)


def _outcomes_page(request, *, subject, subject_label: str, visible, csv_url: str, with_profile: bool):
    """The page for a team or a practitioner: `visible` is their cases the user may see.

    A practitioner's page also has their principle profile. A team's has not: it
    would read every clip of the team, and the outcomes are what the page is for.
    """
    form = _period_form(request)
    start, end = form.period()
    cases = figures.closed_between(visible, start=start, end=end)
    summary = figures.summarise(cases)
    # The goal count is known from the summary: the pages need no count query of their own.
    page = Paginator(range(summary.goals), GOALS_PER_PAGE).get_page(request.GET.get("page"))
    rows = []
    if summary.goals:
        rows = charts.goal_rows(figures.goal_page(cases, offset=page.start_index() - 1, limit=GOALS_PER_PAGE))
    profile = None
    if with_profile:
        # Principles over the same period: clips of films recorded in it, on any of the cases (open or closed).
        profile = principle_profile(
            clips_of_cases(visible).filter(film__recorded_on__gte=start, film__recorded_on__lte=end)
        )
    record(request, Action.VIEW, subject, summary=f"outcomes {start:%d/%m/%Y} to {end:%d/%m/%Y}")
    return render(
        request,
        "outcomes/outcomes.html",
        {
            "subject": subject,
            "subject_label": subject_label,
            "form": form,
            "start": start,
            "end": end,
            "summary": summary,
            "spread": charts.spread_chart(summary),
            "page": page,
            "rows": rows,
            "goals_chart": charts.goals_chart(rows, first_number=page.start_index(), total=summary.goals),
            "csv_url": f"{csv_url}?start={start:%Y-%m-%d}&end={end:%Y-%m-%d}",
            "profile": profile,
        },
    )


@login_required
def team(request, team_id):
    team = get_object_or_404(_teams_for(request.user), pk=team_id)
    return _outcomes_page(
        request,
        subject=team,
        subject_label=team.name,
        visible=Case.objects.visible_to(request.user).filter(team=team),
        csv_url=reverse("outcomes:team_csv", kwargs={"team_id": team.pk}),
        with_profile=False,
    )


@login_required
def practitioner(request, user_id):
    person = get_object_or_404(_practitioners_for(request.user), pk=user_id)
    return _outcomes_page(
        request,
        subject=person,
        subject_label=person.display_name,
        visible=Case.objects.visible_to(request.user).filter(practitioner=person),
        csv_url=reverse("outcomes:practitioner_csv", kwargs={"user_id": person.pk}),
        with_profile=True,
    )


@login_required
def team_csv(request, team_id):
    team = get_object_or_404(_teams_for(request.user), pk=team_id)
    visible = Case.objects.visible_to(request.user).filter(team=team)
    return _csv_response(request, subject=team, visible=visible, filename_part=f"team-{team.pk}")


@login_required
def practitioner_csv(request, user_id):
    person = get_object_or_404(_practitioners_for(request.user), pk=user_id)
    visible = Case.objects.visible_to(request.user).filter(practitioner=person)
    return _csv_response(request, subject=person, visible=visible, filename_part=f"practitioner-{person.pk}")


def _csv_response(request, *, subject, visible, filename_part: str) -> HttpResponse:
    start, end = _period_form(request).period()
    cases = figures.closed_between(visible, start=start, end=end)
    summary = figures.summarise(cases)
    filename = f"outcomes-{filename_part}-{start:%Y-%m-%d}-to-{end:%Y-%m-%d}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    export.write_csv(response, figures.goal_rows(cases).iterator(), summary, start=start, end=end)
    record(
        request,
        Action.VIEW,
        subject,
        summary=f"outcomes CSV export, {summary.goals} goals, {start:%d/%m/%Y} to {end:%d/%m/%Y}",
    )
    return response
