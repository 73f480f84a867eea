"""The outcomes pages: who reaches which, the period, what the page says, and what it costs."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from accounts.tests.factories import UserFactory
from audit.models import AuditEvent
from cases.models import Case
from cases.tests.factories import CaseFactory, TeamFactory

from .builders import closed_case, goal_with

pytestmark = pytest.mark.django_db

# Session and user (2), the team or practitioner (1), the case counts (1), the goals grouped by
# change (1), a page of goals (1), the view event (1), the session pushed on (3); a practitioner's
# page also has the principle profile (2).
TEAM_PAGE_QUERIES = 10
PRACTITIONER_PAGE_QUERIES = 12
# Session and user (2), teams (1), practitioners with their teams (1), the session pushed on (3).
INDEX_QUERIES = 7


def team_url(team, **params) -> str:
    url = reverse("outcomes:team", kwargs={"team_id": team.pk})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def practitioner_url(user) -> str:
    return reverse("outcomes:practitioner", kwargs={"user_id": user.pk})


@pytest.fixture
def some_outcomes(practitioner):
    case = closed_case(practitioner)
    goal_with(case, baseline=2, hoped_for=6, end=7)
    goal_with(case, baseline=5, hoped_for=8, end=5)
    other = closed_case(practitioner)
    goal_with(other, baseline=3)
    return case


def test_the_team_page_gives_the_figures(client, supervisor, team, some_outcomes):
    client.force_login(supervisor)

    page = client.get(team_url(team)).content.decode()

    assert "Outcomes: North team" in page
    assert "2 of 3 goals" in page  # rated at the start and the end
    assert "+2.5 points" in page
    assert "1 of 2 (50%)" in page  # went up
    assert "1 of 2 with a hoped-for and an end score (50%)" in page


def test_goals_without_an_end_rating_are_shown_not_dropped(client, supervisor, team, some_outcomes):
    client.force_login(supervisor)

    page = client.get(team_url(team)).content.decode()

    assert "1 goal on 1 case has no end rating." in page


def test_the_page_draws_both_charts_with_titles_and_descriptions(client, supervisor, team, some_outcomes):
    client.force_login(supervisor)

    page = client.get(team_url(team)).content.decode()

    assert '<title id="spread-chart-title">' in page
    assert "1 went up, 1 stayed the same and 0 went down" in page
    assert f"{some_outcomes.reference} goal 1: start 2, end 7, hoped for 6" in page
    assert "no end rating" in page


def test_the_page_shows_case_references_but_no_names_or_goal_text(client, supervisor, team, practitioner):
    case = closed_case(practitioner)
    goal_with(case, baseline=1, end=4, description="Sam tells me about school")
    client.force_login(supervisor)

    page = client.get(team_url(team)).content.decode()

    assert case.reference in page
    assert "Sam tells me about school" not in page
    assert case.client.full_name not in page


def test_the_period_can_be_given_as_uk_dates(client, supervisor, team, practitioner):
    goal_with(closed_case(practitioner, closed_on=datetime.date(2024, 3, 10)), baseline=1, end=9)
    goal_with(closed_case(practitioner, closed_on=datetime.date(2024, 6, 10)), baseline=1, end=2)
    client.force_login(supervisor)

    page = client.get(team_url(team, start="01/03/2024", end="31/03/2024")).content.decode()

    assert "Cases closed from 1 Mar 2024 to 31 Mar 2024" in page
    assert "+8.0 points" in page


def test_the_period_can_be_given_by_the_date_picker(client, supervisor, team, practitioner):
    goal_with(closed_case(practitioner, closed_on=datetime.date(2024, 6, 10)), baseline=1, end=2)
    client.force_login(supervisor)

    page = client.get(team_url(team, start="2024-06-01", end="2024-06-30")).content.decode()

    assert "+1.0 points" in page


@time_machine.travel(datetime.datetime(2026, 11, 25, 12, 0, tzinfo=datetime.UTC))
def test_the_default_period_is_the_last_twelve_months(client, supervisor, team, practitioner):
    goal_with(closed_case(practitioner, closed_on=datetime.date(2025, 11, 24)), baseline=1, end=9)
    goal_with(closed_case(practitioner, closed_on=datetime.date(2025, 11, 25)), baseline=1, end=2)
    client.force_login(supervisor)

    page = client.get(team_url(team)).content.decode()

    assert "Cases closed from 25 Nov 2025 to 25 Nov 2026" in page
    assert "+1.0 points" in page


def test_a_period_that_ends_before_it_starts_is_refused_and_the_default_shown(client, supervisor, team):
    client.force_login(supervisor)

    page = client.get(team_url(team, start="2026-05-01", end="2026-04-01")).content.decode()

    assert "The start of the period must not be after its end." in page
    assert "The last 12 months are shown." in page


def test_a_date_that_cannot_be_read_is_refused_and_the_default_shown(client, supervisor, team):
    client.force_login(supervisor)

    page = client.get(team_url(team, start="31/02/2026")).content.decode()

    assert "A date could not be read" in page
    assert "The last 12 months are shown." in page


def test_goals_are_paged_25_at_a_time(client, supervisor, team, practitioner):
    for _ in range(3):
        case = closed_case(practitioner)
        for score in range(10):
            goal_with(case, baseline=score, end=10 - score)
    client.force_login(supervisor)

    second = client.get(team_url(team, page=2)).content.decode()

    assert "Goals 26 to 30 of 30" in second
    assert "Page 2 of 2" in second


def test_the_practitioner_page_counts_only_their_cases(client, supervisor, team, practitioner, some_outcomes):
    colleague = UserFactory(team=team)
    goal_with(closed_case(colleague), baseline=9, end=0)
    client.force_login(supervisor)

    page = client.get(practitioner_url(practitioner)).content.decode()

    assert f"Outcomes: {practitioner.display_name}" in page
    assert "2 of 3 goals" in page


def test_a_practitioner_reads_their_own_outcomes(client, practitioner, some_outcomes):
    client.force_login(practitioner)

    response = client.get(practitioner_url(practitioner))

    assert response.status_code == 200
    assert "+2.5 points" in response.content.decode()


def test_a_supervisor_of_another_team_is_told_the_team_does_not_exist(client, other_supervisor, team):
    client.force_login(other_supervisor)

    assert client.get(team_url(team)).status_code == 404


def test_a_supervisor_of_another_team_is_told_the_practitioner_does_not_exist(client, other_supervisor, practitioner):
    client.force_login(other_supervisor)

    assert client.get(practitioner_url(practitioner)).status_code == 404


def test_a_practitioner_does_not_see_their_team_or_a_colleague(client, practitioner, team):
    colleague = UserFactory(team=team)
    client.force_login(practitioner)

    assert client.get(team_url(team)).status_code == 404
    assert client.get(practitioner_url(colleague)).status_code == 404


def test_the_index_lists_the_teams_and_practitioners_a_supervisor_may_read(
    client, supervisor, team, practitioner, other_practitioner
):
    client.force_login(supervisor)

    page = client.get(reverse("outcomes:index")).content.decode()

    assert team_url(team) in page
    assert practitioner_url(practitioner) in page
    assert practitioner_url(other_practitioner) not in page


def test_the_index_sends_a_practitioner_to_their_own_outcomes(client, practitioner):
    client.force_login(practitioner)

    response = client.get(reverse("outcomes:index"))

    assert response["Location"] == practitioner_url(practitioner)


def test_reading_the_page_is_audited_without_figures(client, supervisor, team, some_outcomes):
    client.force_login(supervisor)

    client.get(team_url(team, start="2026-01-01", end="2026-12-31"))

    event = AuditEvent.objects.get(action=AuditEvent.Action.VIEW, object_type="cases.team")
    assert (event.actor, event.object_id) == (supervisor, str(team.pk))
    assert event.summary == "outcomes 01/01/2026 to 31/12/2026"


@pytest.mark.parametrize("number_of_cases", [2, 12])
def test_the_team_page_query_count_does_not_grow_with_cases(
    client, django_assert_max_num_queries, supervisor, team, practitioner, number_of_cases
):
    from clips.tests.factories import ClipFactory, FilmFactory

    for i in range(number_of_cases):
        case = closed_case(practitioner)
        for score in range(3):
            goal_with(case, baseline=score, hoped_for=8, end=score + i % 4)
        goal_with(case, baseline=2)
        ClipFactory(film=FilmFactory(case=case, recorded_on=case.closed_on))
    CaseFactory(practitioner=practitioner, team=team, status=Case.Status.ACTIVE)
    client.force_login(supervisor)

    with django_assert_max_num_queries(TEAM_PAGE_QUERIES):
        response = client.get(team_url(team))

    assert response.status_code == 200


@pytest.mark.parametrize("number_of_cases", [2, 12])
def test_the_practitioner_page_query_count_does_not_grow_with_cases(
    client, django_assert_max_num_queries, supervisor, practitioner, number_of_cases
):
    from clips.models import ClipTag, Principle
    from clips.tests.factories import ClipFactory, FilmFactory

    principles = list(Principle.objects.all())
    for i in range(number_of_cases):
        case = closed_case(practitioner)
        goal_with(case, baseline=3, hoped_for=6, end=5)
        clip = ClipFactory(film=FilmFactory(case=case, recorded_on=case.closed_on))
        ClipTag.objects.create(clip=clip, principle=principles[i % 6])
    client.force_login(supervisor)

    with django_assert_max_num_queries(PRACTITIONER_PAGE_QUERIES):
        response = client.get(practitioner_url(practitioner))

    assert response.status_code == 200


@pytest.mark.parametrize("number_of_teams", [1, 6])
def test_the_index_query_count_does_not_grow_with_teams(
    client, django_assert_max_num_queries, administrator, number_of_teams
):
    for _ in range(number_of_teams):
        UserFactory(team=TeamFactory())
    client.force_login(administrator)

    with django_assert_max_num_queries(INDEX_QUERIES):
        response = client.get(reverse("outcomes:index"))

    assert response.status_code == 200
