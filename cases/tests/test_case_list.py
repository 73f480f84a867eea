"""The caseload page: which cases a user sees, how they search and filter, and what it costs."""

import datetime

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from cases.models import Case
from cases.tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

URL = reverse("cases:list")

# Session and user (2), the teams the user supervises (1: spelled out for the
# query planner), how many cases match (1), the page's ids (1) and its
# cases with their stored summaries, clients, children, practitioners and
# teams (1), the session
# pushed on (SESSION_SAVE_EVERY_REQUEST: savepoint, update, release). At most;
# the same for 3 cases as for 30.
LIST_QUERIES = 9


def listed(response) -> list[str]:
    return [row.case.reference for row in response.context["page"].object_list]


def closed_case(practitioner, **kwargs):
    return CaseFactory(
        practitioner=practitioner, status=Case.Status.CLOSED, closed_on=datetime.date(2026, 10, 1), **kwargs
    )


def test_practitioner_sees_their_own_case(client, case, practitioner):
    client.force_login(practitioner)

    response = client.get(URL)

    assert listed(response) == [case.reference]
    assert case.reference in response.content.decode()


def test_practitioner_does_not_see_another_practitioners_case(client, case, practitioner, other_practitioner):
    other_case = CaseFactory(practitioner=other_practitioner)
    client.force_login(practitioner)

    response = client.get(URL)

    assert other_case.reference not in listed(response)
    assert other_case.reference not in response.content.decode()


def test_it_searches_by_reference(client, practitioner):
    wanted = CaseFactory(practitioner=practitioner, reference="VIG-2026-0042")
    CaseFactory(practitioner=practitioner, reference="VIG-2026-0007")
    client.force_login(practitioner)

    response = client.get(URL, {"q": "0042"})

    assert listed(response) == [wanted.reference]


def test_it_searches_by_client_name_ignoring_case(client, practitioner):
    wanted = CaseFactory(practitioner=practitioner, client__full_name="Priya Shah")
    CaseFactory(practitioner=practitioner, client__full_name="Tom Baker")
    client.force_login(practitioner)

    response = client.get(URL, {"q": "shah"})

    assert listed(response) == [wanted.reference]


def test_it_searches_by_child_name(client, practitioner):
    wanted = CaseFactory(practitioner=practitioner, child__name="Ollie")
    CaseFactory(practitioner=practitioner, child__name="Maya")
    client.force_login(practitioner)

    response = client.get(URL, {"q": "Ollie"})

    assert listed(response) == [wanted.reference]


def test_search_does_not_reach_other_practitioners_cases(client, practitioner, other_practitioner):
    CaseFactory(practitioner=other_practitioner, child__name="Ollie")
    client.force_login(practitioner)

    response = client.get(URL, {"q": "Ollie"})

    assert listed(response) == []
    assert "No cases match." in response.content.decode()


def test_open_cases_are_shown_by_default_and_closed_ones_hidden(client, practitioner):
    referred = CaseFactory(practitioner=practitioner, status=Case.Status.REFERRED)
    active = CaseFactory(practitioner=practitioner, status=Case.Status.ACTIVE)
    closed = closed_case(practitioner)
    client.force_login(practitioner)

    response = client.get(URL)

    assert set(listed(response)) == {referred.reference, active.reference}
    assert closed.reference not in response.content.decode()


def test_status_filter_shows_only_closed_cases(client, practitioner):
    CaseFactory(practitioner=practitioner)
    closed = closed_case(practitioner)
    client.force_login(practitioner)

    response = client.get(URL, {"status": "closed"})

    assert listed(response) == [closed.reference]


def test_status_filter_all_shows_open_and_closed_cases(client, practitioner):
    open_case = CaseFactory(practitioner=practitioner)
    closed = closed_case(practitioner)
    client.force_login(practitioner)

    response = client.get(URL, {"status": "all"})

    assert set(listed(response)) == {open_case.reference, closed.reference}


def test_supervisor_sees_the_cases_of_their_team(client, case, supervisor, other_practitioner):
    other_team_case = CaseFactory(practitioner=other_practitioner)
    client.force_login(supervisor)

    response = client.get(URL)

    assert listed(response) == [case.reference]
    assert other_team_case.reference not in response.content.decode()


def test_supervisor_sees_who_practises_on_each_case(client, case, supervisor, practitioner):
    client.force_login(supervisor)

    response = client.get(URL)

    assert practitioner.display_name in response.content.decode()


def test_mine_filter_shows_only_the_supervisors_own_cases(client, case, supervisor, team):
    own = CaseFactory(practitioner=supervisor, team=team)
    client.force_login(supervisor)

    response = client.get(URL, {"mine": "1"})

    assert listed(response) == [own.reference]


def test_without_mine_filter_the_supervisor_sees_team_and_own_cases(client, case, supervisor, team):
    own = CaseFactory(practitioner=supervisor, team=team)
    client.force_login(supervisor)

    response = client.get(URL)

    assert set(listed(response)) == {case.reference, own.reference}


def test_it_shows_25_cases_on_the_first_page(client, practitioner):
    CaseFactory.create_batch(26, practitioner=practitioner)
    client.force_login(practitioner)

    response = client.get(URL)

    assert len(listed(response)) == 25
    assert "Page 1 of 2" in response.content.decode()


def test_second_page_shows_the_rest(client, practitioner):
    CaseFactory.create_batch(26, practitioner=practitioner)
    client.force_login(practitioner)

    first = client.get(URL)
    second = client.get(URL, {"page": 2})

    assert len(listed(second)) == 1
    assert set(listed(first)).isdisjoint(listed(second))


def test_next_page_link_keeps_the_filters(client, practitioner):
    CaseFactory.create_batch(26, practitioner=practitioner, child__name="Ollie")
    client.force_login(practitioner)

    response = client.get(URL, {"q": "Ollie", "status": "all"})

    assert "q=Ollie&amp;status=all&amp;page=2" in response.content.decode()


def test_a_page_number_past_the_end_shows_the_last_page(client, practitioner):
    CaseFactory.create_batch(26, practitioner=practitioner)
    client.force_login(practitioner)

    response = client.get(URL, {"page": 99})

    assert response.context["page"].number == 2


@pytest.mark.parametrize("number_of_cases", [3, 30])
def test_query_count_does_not_grow_with_the_number_of_cases(
    client, django_assert_max_num_queries, team, supervisor, number_of_cases
):
    """Each case has its own practitioner, client and child: a missing select_related shows here."""
    for _ in range(number_of_cases):
        CaseFactory(practitioner=UserFactory(team=team))
    client.force_login(supervisor)

    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(URL)

    assert len(listed(response)) == min(number_of_cases, 25)


@pytest.mark.parametrize("number_of_cases", [3, 30])
@pytest.mark.parametrize("role", ["practitioner", "administrator"])
def test_query_count_is_the_same_for_every_role(
    client, django_assert_max_num_queries, team, practitioner, administrator, role, number_of_cases
):
    """Summarised cases in every state, with the flags the list words for today."""
    from sessions.summary import refresh_case_summaries
    from sessions.tests.stages import film, started

    for index in range(number_of_cases):
        case = started(CaseFactory(practitioner=practitioner))
        if index % 2:
            film(case, datetime.date(2026, 9, 15))
    closed_case(practitioner)
    refresh_case_summaries()
    client.force_login(practitioner if role == "practitioner" else administrator)

    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(URL, {"status": "all", "flag": "attention", "sort": "due"})

    assert len(listed(response)) == min(number_of_cases, 25)
