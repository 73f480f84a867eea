"""The supervisor's caseload review: teams → practitioners → cases, with counts, flags, filters and paging.

The list reads each case's stored summary. The factories write rows directly,
so each test refreshes the summaries (as every service does after its writes)
before it looks.
"""

import datetime
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from cases.models import Case, Consent
from cases.tests.factories import CaseFactory, ConsentFactory
from clips.models import Film
from sessions.summary import refresh_case_summaries
from sessions.tests.factories import SessionFactory
from sessions.tests.stages import cycles, film, started

pytestmark = pytest.mark.django_db

URL = reverse("cases:review")


def get(client, params=None):
    refresh_case_summaries()
    return client.get(URL, params or {})


def listed(response) -> list[str]:
    return [row.case.reference for row in response.context["page"].object_list]


def recent(case, days_ago: int = 1):
    """A contact a few days ago, so the case is not out of touch."""
    SessionFactory(case=case, kind="other", held_on=timezone.localdate() - timedelta(days=days_ago))
    return case


def overdue(case):
    """Started, and a film recorded 20 days ago with clips chosen and no review yet."""
    started(case)
    film(case, timezone.localdate() - timedelta(days=20))
    return case


def closed(practitioner, on):
    return CaseFactory(practitioner=practitioner, status=Case.Status.CLOSED, closed_on=on)


def counts_of(response) -> dict[str, dict[str, tuple[int, int, int]]]:
    return {
        team.name: {p.name: (p.active, p.closed_this_year, p.overdue) for p in team.practitioners}
        for team in response.context["counts"]
    }


def test_a_supervisor_lands_on_the_caseload_review(client, supervisor):
    client.force_login(supervisor)

    response = client.get(reverse("home"))

    assert response.url == URL


def test_a_practitioner_lands_on_their_own_caseload(client, practitioner):
    client.force_login(practitioner)

    response = client.get(reverse("home"))

    assert response.url == reverse("cases:list")


def test_a_practitioner_may_not_open_the_review(client, practitioner):
    client.force_login(practitioner)

    assert client.get(URL).status_code == 403


def test_it_counts_each_practitioners_cases_under_their_team(client, supervisor, team, practitioner):
    today = timezone.localdate()
    colleague = UserFactory(team=team, first_name="Ada", last_name="Lovelace")
    practitioner.first_name, practitioner.last_name = "Bea", "Owner"
    practitioner.save()
    recent(CaseFactory(practitioner=practitioner))
    overdue(CaseFactory(practitioner=practitioner))
    closed(practitioner, today.replace(month=1, day=1))
    closed(practitioner, today.replace(year=today.year - 1))
    recent(CaseFactory(practitioner=colleague))
    client.force_login(supervisor)

    response = get(client)

    assert counts_of(response) == {"North team": {"Ada Lovelace": (1, 0, 0), "Bea Owner": (2, 1, 1)}}
    page = response.content.decode()
    assert "Teams and practitioners" in page
    assert "Ada Lovelace" in page


def test_a_supervisor_sees_none_of_another_teams_cases(client, supervisor, case, other_practitioner):
    theirs = CaseFactory(practitioner=other_practitioner, client__full_name="Hidden Person")
    client.force_login(supervisor)

    response = get(client, {"status": "all"})

    assert listed(response) == [case.reference]
    assert list(counts_of(response)) == ["North team"]
    page = response.content.decode()
    assert theirs.reference not in page
    assert "Hidden Person" not in page


def test_a_team_the_supervisor_does_not_supervise_shows_nothing(client, supervisor, other_team, other_practitioner):
    CaseFactory(practitioner=other_practitioner)
    client.force_login(supervisor)

    response = get(client, {"team": other_team.pk})

    assert listed(response) == []
    assert counts_of(response) == {}


def test_the_other_teams_supervisor_cannot_open_the_case(client, other_supervisor, case):
    client.force_login(other_supervisor)

    assert client.get(case.get_absolute_url()).status_code == 404


def test_it_filters_by_team(client, supervisor, team, other_team):
    other_team.supervisors.add(supervisor)
    north = CaseFactory(practitioner=UserFactory(team=team))
    CaseFactory(practitioner=UserFactory(team=other_team))
    client.force_login(supervisor)

    response = get(client, {"team": team.pk})

    assert listed(response) == [north.reference]
    assert list(counts_of(response)) == ["North team"]


def test_it_filters_by_practitioner(client, supervisor, team, practitioner):
    mine = CaseFactory(practitioner=practitioner)
    CaseFactory(practitioner=UserFactory(team=team))
    client.force_login(supervisor)

    response = get(client, {"practitioner": practitioner.pk})

    assert listed(response) == [mine.reference]


def test_it_filters_by_status(client, supervisor, practitioner):
    CaseFactory(practitioner=practitioner)
    gone = closed(practitioner, datetime.date(2026, 10, 1))
    client.force_login(supervisor)

    response = get(client, {"status": "closed"})

    assert listed(response) == [gone.reference]


def test_the_overdue_flag_shows_reviews_waiting_too_long(client, supervisor, practitioner):
    late = overdue(CaseFactory(practitioner=practitioner))
    recent(started(CaseFactory(practitioner=practitioner)))
    client.force_login(supervisor)

    response = get(client, {"flag": "overdue"})

    assert listed(response) == [late.reference]
    assert "overdue since" in response.content.decode()


def test_the_no_contact_flag_shows_quiet_cases(client, supervisor, practitioner):
    today = timezone.localdate()
    quiet = started(CaseFactory(practitioner=practitioner, opened_on=today - timedelta(days=200)))
    quiet.sessions.update(held_on=today - timedelta(days=50))
    recent(started(CaseFactory(practitioner=practitioner)))
    client.force_login(supervisor)

    response = get(client, {"flag": "no_contact"})

    assert listed(response) == [quiet.reference]
    assert "No contact for 50 days" in response.content.decode()


def test_the_consent_flag_shows_withdrawn_consent(client, supervisor, practitioner):
    withdrawn = recent(CaseFactory(practitioner=practitioner))
    ConsentFactory(case=withdrawn, purpose=Consent.Purpose.FILMING, withdrawn_on=datetime.date(2026, 10, 1))
    recent(CaseFactory(practitioner=practitioner))
    client.force_login(supervisor)

    response = get(client, {"flag": "consent_withdrawn"})

    assert listed(response) == [withdrawn.reference]
    assert "Consent withdrawn: Filming" in response.content.decode()


def test_a_review_becomes_overdue_as_days_pass_without_a_refresh(client, supervisor, practitioner, monkeypatch):
    """Overdue is asked of the stored due date on the day of the request, so the flag is never stale."""
    case = started(CaseFactory(practitioner=practitioner))
    film(case, timezone.localdate() - timedelta(days=10))
    refresh_case_summaries()
    client.force_login(supervisor)
    assert listed(client.get(URL, {"flag": "overdue"})) == []

    later = timezone.localdate() + timedelta(days=5)
    monkeypatch.setattr("cases.caseload_views.timezone.localdate", lambda: later)
    response = client.get(URL, {"flag": "overdue"})

    assert listed(response) == [case.reference]


def test_it_searches_by_reference(client, supervisor, practitioner):
    wanted = CaseFactory(practitioner=practitioner, reference="VIG-2026-0042")
    CaseFactory(practitioner=practitioner, reference="VIG-2026-0007")
    client.force_login(supervisor)

    response = get(client, {"q": "0042"})

    assert listed(response) == [wanted.reference]


def test_it_searches_by_client_name(client, supervisor, practitioner):
    wanted = CaseFactory(practitioner=practitioner, client__full_name="Priya Shah")
    CaseFactory(practitioner=practitioner, client__full_name="Tom Baker")
    client.force_login(supervisor)

    response = get(client, {"q": "shah"})

    assert listed(response) == [wanted.reference]


def test_it_sorts_by_the_longest_without_contact(client, supervisor, practitioner):
    a_week = recent(CaseFactory(practitioner=practitioner), days_ago=7)
    a_day = recent(CaseFactory(practitioner=practitioner), days_ago=1)
    a_month = recent(CaseFactory(practitioner=practitioner), days_ago=30)
    client.force_login(supervisor)

    response = get(client, {"sort": "last_contact"})

    assert listed(response) == [a_month.reference, a_week.reference, a_day.reference]


def test_an_unknown_sort_or_team_is_ignored(client, supervisor, case):
    client.force_login(supervisor)

    response = get(client, {"sort": "password", "team": "x"})

    assert response.status_code == 200
    assert listed(response) == [case.reference]


def test_each_case_shows_stage_contact_films_review_and_letter(client, supervisor, practitioner):
    today = timezone.localdate()
    case = started(CaseFactory(practitioner=practitioner))
    cycles(case, 1)
    film(case, today - timedelta(days=3), clips=0)
    client.force_login(supervisor)

    response = get(client)

    [row] = response.context["page"].object_list
    assert row.summary.cycle_label == "Cycle 2"
    assert row.summary.next_step == "Film 2 recorded, clips not selected yet"
    assert row.summary.films_awaiting_analysis == 1
    assert row.days_since_contact == 3
    assert row.summary.review_number == 2
    page = response.content.decode()
    assert "Film 2 recorded, clips not selected yet" in page
    assert "3 days ago" in page
    assert f"by {(today + timedelta(days=11)).strftime('%-d %b %Y')}" in page


def test_each_case_shows_its_letters_status(client, supervisor, practitioner):
    from letters import services as letters

    case = CaseFactory(practitioner=practitioner)
    letter = letters.start_draft(case, practitioner)
    letters.ask_for_approval(letter)
    client.force_login(supervisor)

    response = client.get(URL)

    [row] = response.context["page"].object_list
    assert row.summary.get_letter_status_display() == "Awaiting approval"
    assert "Awaiting approval" in response.content.decode()


def test_a_failed_film_needs_attention(client, supervisor, practitioner):
    case = recent(started(CaseFactory(practitioner=practitioner)))
    film(case, timezone.localdate() - timedelta(days=2), status=Film.Status.FAILED, clips=0)
    client.force_login(supervisor)

    response = get(client, {"flag": "attention"})

    assert listed(response) == [case.reference]
    assert "Film 1 could not be processed" in response.content.decode()


def test_pages_keep_the_filters(client, supervisor, practitioner):
    for _ in range(26):
        CaseFactory(practitioner=practitioner, client__full_name="Sam Jones")
    client.force_login(supervisor)

    first = get(client, {"q": "Jones", "sort": "reference"})
    second = client.get(URL, {"q": "Jones", "sort": "reference", "page": 2})

    assert "q=Jones&amp;sort=reference&amp;page=2" in first.content.decode()
    assert len(listed(second)) == 1
    assert set(listed(first)).isdisjoint(listed(second))


def full_case(team, today):
    """A case in its second cycle with a film waiting, a withdrawn consent and a letter: everything the row shows."""
    from letters import services as letters

    case = started(CaseFactory(practitioner=UserFactory(team=team), team=team))
    cycles(case, 1)
    film(case, today - timedelta(days=20))
    ConsentFactory(case=case, purpose=Consent.Purpose.TRAINING, withdrawn_on=today - timedelta(days=3))
    letters.start_draft(case, case.practitioner)
    return case


# Session and user (2), the supervisor's teams (1), the counts per practitioner
# and their teams' and practitioners' names (3), how many cases match (1), the
# page's ids (1) and its cases with their summaries, clients, children,
# practitioners and teams (1), the session pushed on (3).
REVIEW_QUERIES = 12


@pytest.mark.parametrize("size", [2, 12])
@pytest.mark.parametrize("params", [{}, {"flag": "attention", "sort": "due", "q": "VIG"}])
def test_the_query_count_does_not_grow_with_cases(
    client, django_assert_max_num_queries, team, supervisor, size, params
):
    today = timezone.localdate()
    for _ in range(size):
        full_case(team, today)
        closed(UserFactory(team=team), today)
    refresh_case_summaries()
    client.force_login(supervisor)

    with django_assert_max_num_queries(REVIEW_QUERIES):
        response = client.get(URL, params)

    assert len(listed(response)) == size
    assert sum(p.active for t in response.context["counts"] for p in t.practitioners) == size


@pytest.mark.parametrize("size", [2, 12])
def test_the_administrator_sees_every_team_at_the_same_cost(
    client, django_assert_max_num_queries, team, other_team, administrator, size
):
    today = timezone.localdate()
    for index in range(size):
        full_case(team if index % 2 else other_team, today)
    refresh_case_summaries()
    client.force_login(administrator)

    with django_assert_max_num_queries(REVIEW_QUERIES):
        response = client.get(URL)

    assert len(listed(response)) == size
    assert list(counts_of(response)) == ["North team", "South team"]


def test_spelling_out_the_teams_never_widens_what_a_user_sees(supervisor, case, other_team, other_practitioner):
    """The team list is a hint to the planner, ANDed with visible_to: a wrong list cannot show more."""
    from cases.caseload import spelled_out

    CaseFactory(practitioner=other_practitioner)

    cases = spelled_out(Case.objects.visible_to(supervisor), supervisor, [other_team.pk])

    assert list(cases) == []


def test_the_no_contact_flag_names_the_threshold(client, supervisor, settings):
    settings.VIG_NO_CONTACT_DAYS = 21
    client.force_login(supervisor)

    response = client.get(URL)

    assert "No contact for over 21 days" in response.content.decode()
