"""The caseload as queries: filter, flag, sort and count cases in SQL from their stored summaries.

Each case's `summary` (vig_sessions.CaseSummary) is written from the rules in
`sessions.progress`; here only today's date is added, so "overdue" and "no
contact for N days" are asked of the stored dates and never go stale. The
number of queries a caseload page makes does not depend on how many cases
there are: count, page ids and page rows (`caseload_page`), and for the
review the counts per practitioner with their names (`counts_by_team`).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import BooleanField, Count, F, Q, QuerySet, Value, When
from django.db.models import Case as SqlCase

from sessions.progress import REVIEW_DUE_DAYS

from .models import Case, Team

PAGE_SIZE = 25


def flag_conditions(today: date) -> dict[str, Q]:
    """What each flag means in SQL on `today`; the same thresholds as `sessions.progress.Watch`."""
    overdue = Q(summary__review_due_on__lt=today)
    no_contact = Q(summary__quiet_since__lt=today - timedelta(days=settings.VIG_NO_CONTACT_DAYS))
    consent = Q(summary__consent_withdrawn=True)
    failed = Q(summary__failed_film_number__isnull=False)
    return {
        "attention": overdue | no_contact | consent | failed,
        "overdue": overdue,
        "no_contact": no_contact,
        "consent_withdrawn": consent,
        "film_failed": failed,
        "awaiting_analysis": Q(summary__films_awaiting_analysis__gt=0),
        "review_due": Q(summary__review_due_on__isnull=False),
    }


FLAGS = [
    ("attention", "Needs attention (any flag)"),
    ("overdue", f"Review overdue (film waiting over {REVIEW_DUE_DAYS} days)"),
    ("no_contact", "No contact for over {days} days"),
    ("consent_withdrawn", "Consent withdrawn"),
    ("film_failed", "Film could not be processed"),
    ("awaiting_analysis", "Films waiting for micro-analysis"),
    ("review_due", "Review due"),
]

# name -> (label, order); ties broken by reference so pages never overlap.
SORTS = {
    "attention": ("Needing attention first", ["-needs_attention", "status", "-opened_on", "-pk"]),
    # Where NULLs go differs (SQLite: first going up; PostgreSQL: last), so it is said: a case with
    # no date (or no summary yet) comes after those with one, on every database.
    "last_contact": ("Longest without contact", [F("summary__quiet_since").asc(nulls_last=True), "pk"]),
    "due": ("Review due soonest", [F("summary__review_due_on").asc(nulls_last=True), "pk"]),
    "opened": ("Newest first", ["-opened_on", "-pk"]),
    "opened_oldest": ("Oldest first", ["opened_on", "pk"]),
    "reference": ("Reference", ["reference"]),
    "client": ("Client's name", ["client__full_name", "pk"]),
    "practitioner": ("Practitioner", ["practitioner__first_name", "practitioner__last_name", "pk"]),
}

STATUSES = [("open", "Open (referred or active)"), *Case.Status.choices, ("all", "All")]


class CaseloadFilterForm(forms.Form):
    """The caseload's GET parameters: every view of it is a bookmarkable address."""

    q = forms.CharField(label="Search", required=False, max_length=100)
    team = forms.TypedChoiceField(label="Team", required=False, coerce=int, empty_value=None)
    practitioner = forms.TypedChoiceField(label="Practitioner", required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label="Status", required=False, choices=STATUSES)
    flag = forms.ChoiceField(label="Flag", required=False, choices=[("", "Any"), *FLAGS])
    sort = forms.ChoiceField(
        label="Sort by", required=False, choices=[(name, label) for name, (label, _) in SORTS.items()]
    )

    def __init__(self, data, *, teams=(), practitioners=()):
        super().__init__(data)
        self.fields["team"].choices = [("", "All teams"), *((t.pk, t.name) for t in teams)]
        self.fields["practitioner"].choices = [("", "Everyone"), *practitioners]
        days = settings.VIG_NO_CONTACT_DAYS
        self.fields["flag"].choices = [("", "Any"), *((name, label.format(days=days)) for name, label in FLAGS)]
        for name in ("q", "team", "practitioner", "status", "flag", "sort"):
            widget = self.fields[name].widget
            widget.attrs["class"] = "form-control" if name == "q" else "form-select"
        self.fields["q"].widget.input_type = "search"
        self.fields["q"].widget.attrs["placeholder"] = "Reference, client or child"

    def cleaned(self) -> dict:
        """The valid parameters; a bad one (a team not offered, a made-up sort) is ignored, not an error."""
        self.is_valid()
        data = {name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors}
        data["status"] = data.get("status") or "open"
        data["sort"] = data.get("sort") or "attention"
        data["q"] = (data.get("q") or "").strip()
        return data


def filter_caseload(cases: QuerySet, filters: dict, today: date) -> QuerySet:
    """Apply the caseload's filters, search and sort to cases already limited to what the user may see."""
    status = filters.get("status", "open")
    if status == "open":
        cases = cases.active()
    elif status in Case.Status.values:
        cases = cases.filter(status=status)
    if filters.get("team"):
        cases = cases.filter(team_id=filters["team"])
    if filters.get("practitioner"):
        cases = cases.filter(practitioner_id=filters["practitioner"])
    if filters.get("mine_of") is not None:
        cases = cases.filter(practitioner=filters["mine_of"])
    flag = filters.get("flag")
    if flag:
        cases = cases.filter(flag_conditions(today)[flag])
    query = filters.get("q", "")
    if query:
        cases = cases.filter(
            Q(reference__icontains=query) | Q(client__full_name__icontains=query) | Q(child__name__icontains=query)
        )
    _, order = SORTS.get(filters.get("sort") or "attention", SORTS["attention"])
    if "-needs_attention" in order:
        # A CASE, not the bare condition: a comparison with a NULL date is NULL, not false, and
        # PostgreSQL puts NULLs first when sorting down, so cases with no dates would lead.
        cases = cases.annotate(
            needs_attention=SqlCase(
                When(flag_conditions(today)["attention"], then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
    return cases.order_by(*order)


def caseload_page(cases: QuerySet, number) -> Page:
    """One page of the filtered, sorted cases, with everything the table shows.

    The page's ids are found first (sorting joins only what the order needs),
    then its 25 cases are fetched with their summaries and people: the join to
    clients, children, practitioners and teams is made for 25 rows, not for
    every case sorted. Three queries: count, ids, rows.
    """
    page = Paginator(cases.values_list("pk", flat=True), PAGE_SIZE).get_page(number)
    ids = list(page.object_list)
    fetched = Case.objects.filter(pk__in=ids).select_related("summary", "client", "child", "practitioner", "team")
    by_id = {case.pk: case for case in fetched}
    page.object_list = [by_id[pk] for pk in ids]
    return page


@dataclass
class PractitionerCounts:
    pk: int
    name: str
    active: int
    closed_this_year: int
    overdue: int


@dataclass
class TeamCounts:
    pk: int
    name: str
    practitioners: list[PractitionerCounts]


def counts_by_team(cases: QuerySet, today: date) -> list[TeamCounts]:
    """For each team and each practitioner with cases in it: open cases, cases closed this year, reviews overdue.

    One grouped query over the visible cases (by ids only: the names are
    fetched afterwards for the few teams and practitioners found, which keeps
    the grouping cheap over 20,000 cases), then one for each kind of name. A
    practitioner's cases are counted under the team each case belongs to.
    """
    closed = Q(status=Case.Status.CLOSED)
    rows = list(
        cases.order_by()
        .values("team_id", "practitioner_id")
        .annotate(
            active=Count("pk", filter=~closed),
            closed_this_year=Count(
                "pk", filter=closed & Q(closed_on__gte=date(today.year, 1, 1), closed_on__lte=date(today.year, 12, 31))
            ),
            overdue=Count("pk", filter=~closed & flag_conditions(today)["overdue"]),
        )
    )
    team_names = dict(Team.objects.filter(pk__in={r["team_id"] for r in rows}).values_list("pk", "name"))
    people = {
        user.pk: user.display_name
        for user in get_user_model()
        .objects.filter(pk__in={r["practitioner_id"] for r in rows})
        .only("first_name", "last_name", "username")
    }
    teams: dict[int, TeamCounts] = {}
    for row in rows:
        team = teams.setdefault(row["team_id"], TeamCounts(row["team_id"], team_names[row["team_id"]], []))
        team.practitioners.append(
            PractitionerCounts(
                row["practitioner_id"],
                people[row["practitioner_id"]],
                row["active"],
                row["closed_this_year"],
                row["overdue"],
            )
        )
    ordered = sorted(teams.values(), key=lambda t: t.name.lower())
    for team in ordered:
        team.practitioners.sort(key=lambda p: p.name.lower())
    return ordered


def spelled_out(cases: QuerySet, user, team_ids) -> QuerySet:
    """The same cases, with the user's teams given as a list as well as through `visible_to`'s subquery.

    Only a hint to the query planner, never a widening (it is ANDed with the
    gate): faced with "practitioner = me OR team IN (subquery)", PostgreSQL
    guesses half the table and scans all of it, with every case's summary;
    with the team ids written out it uses the team and practitioner indexes.
    """
    if user.is_administrator:
        return cases
    return cases.filter(Q(practitioner=user) | Q(team_id__in=list(team_ids)))


def teams_for(user) -> QuerySet:
    """The teams whose caseloads the user reviews: all for an administrator."""
    return Team.objects.all() if user.is_administrator else user.supervised_teams.all()
