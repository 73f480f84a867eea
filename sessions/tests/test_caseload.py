"""The caseload (a practitioner's home page): each case's next step, those needing attention first.

The list reads each case's stored summary; the factories write rows directly,
as a migration or an import would, so each test refreshes the summaries
before it looks, as every service does after its writes.
"""

import datetime
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from cases.models import Case, Consent
from cases.tests.factories import CaseFactory, ConsentFactory, RelationshipDescriptionFactory
from clips.models import Film
from sessions.summary import refresh_case_summaries

from .factories import ClosingEventFactory, SessionFactory
from .stages import cycles, film, started

pytestmark = pytest.mark.django_db

URL = reverse("cases:list")


def rows(response) -> list[tuple[str, str]]:
    return [(row.case.reference, row.summary.next_step) for row in response.context["page"].object_list]


def get(client, params=None):
    refresh_case_summaries()
    return client.get(URL, params or {})


def recent(case, days_ago: int = 1):
    """A contact a few days ago, so the case is not out of touch."""
    SessionFactory(case=case, kind="other", held_on=timezone.localdate() - timedelta(days=days_ago))
    return case


def test_each_case_shows_its_next_step(client, practitioner):
    new = recent(CaseFactory(practitioner=practitioner, status=Case.Status.REFERRED))
    new.sessions.all().delete()
    new.opened_on = timezone.localdate()
    new.save()
    filming = recent(started(CaseFactory(practitioner=practitioner)))
    client.force_login(practitioner)

    response = get(client)

    assert set(rows(response)) == {
        (new.reference, "Initial meeting to arrange"),
        (filming.reference, "Film 1 to record"),
    }
    page = response.content.decode()
    assert "Initial meeting to arrange" in page
    assert "Film 1 to record" in page


def test_cases_needing_attention_come_first(client, practitioner):
    today = timezone.localdate()
    fine_new = recent(started(CaseFactory(practitioner=practitioner, opened_on=today - timedelta(days=5))))
    quiet_old = started(CaseFactory(practitioner=practitioner, opened_on=today - timedelta(days=200)))
    quiet_old.sessions.update(held_on=today - timedelta(days=50))
    fine_old = recent(started(CaseFactory(practitioner=practitioner, opened_on=today - timedelta(days=300))))
    client.force_login(practitioner)

    response = get(client)

    assert [reference for reference, _ in rows(response)] == [
        quiet_old.reference,
        fine_new.reference,
        fine_old.reference,
    ]
    page = response.content.decode()
    assert "No contact for 50 days" in page
    assert "Needs attention." in page


def test_the_attention_filter_shows_only_those_cases(client, practitioner):
    ok = recent(started(CaseFactory(practitioner=practitioner)))
    withdrawn = recent(started(CaseFactory(practitioner=practitioner)))
    ConsentFactory(case=withdrawn, purpose=Consent.Purpose.FILMING, withdrawn_on=datetime.date(2026, 10, 1))
    client.force_login(practitioner)

    response = get(client, {"flag": "attention"})

    assert [reference for reference, _ in rows(response)] == [withdrawn.reference]
    assert ok.reference not in response.content.decode()
    assert "Consent withdrawn: Filming" in response.content.decode()


def test_a_closed_case_says_when_it_closed(client, practitioner):
    closed = CaseFactory(practitioner=practitioner, status=Case.Status.CLOSED, closed_on=datetime.date(2026, 10, 1))
    client.force_login(practitioner)

    response = get(client, {"status": "closed"})

    assert rows(response) == [(closed.reference, "Closed on 1 Oct 2026")]


def test_the_supervisor_sees_the_teams_next_steps(client, supervisor, case):
    recent(started(case))
    client.force_login(supervisor)

    response = get(client)

    assert rows(response) == [(case.reference, "Film 1 to record")]


def test_search_and_filters_still_apply(client, practitioner):
    wanted = recent(started(CaseFactory(practitioner=practitioner, child__name="Ollie")))
    recent(started(CaseFactory(practitioner=practitioner, child__name="Maya")))
    client.force_login(practitioner)

    response = get(client, {"q": "Ollie"})

    assert rows(response) == [(wanted.reference, "Film 1 to record")]


def test_pages_follow_the_attention_order(client, practitioner):
    today = timezone.localdate()
    for _ in range(25):
        recent(CaseFactory(practitioner=practitioner, opened_on=today))
    quiet = CaseFactory(practitioner=practitioner, opened_on=today - timedelta(days=100))
    client.force_login(practitioner)

    first = get(client)

    assert rows(first)[0][0] == quiet.reference, "the oldest case needs attention, so it leads page 1"


def a_full_case(practitioner, *, number_of_cycles: int, extra_sessions: int) -> Case:
    """A case with everything the next step is worked out from, each row recorded by its own user."""
    case = CaseFactory(practitioner=practitioner, team=practitioner.team)
    started(case, goals=3)
    cycles(case, number_of_cycles)
    film(case, datetime.date(2027, 1, 5), status=Film.Status.FAILED, clips=0)
    for day in range(extra_sessions):
        SessionFactory(case=case, kind="other", held_on=datetime.date(2026, 9, 10) + timedelta(days=day))
    RelationshipDescriptionFactory(case=case)
    ConsentFactory(case=case, purpose=Consent.Purpose.SUPERVISION, recorded_by=UserFactory())
    return case


# Session and user (2), the supervisor's teams (1), counting the cases (1), the page's ids (1) and its
# cases with their summaries (1), the session pushed on (3).
CASELOAD_QUERIES = 9


@pytest.mark.parametrize("size", [1, 4])
def test_the_query_count_does_not_grow_with_cases_or_sessions(
    client, django_assert_max_num_queries, team, supervisor, size
):
    """Two data sizes: 2 or 8 full cases of 1 or 4 cycles, and closed cases besides."""
    for _ in range(2 * size):
        a_full_case(UserFactory(team=team), number_of_cycles=size, extra_sessions=3 * size)
        closed = CaseFactory(
            practitioner=UserFactory(team=team), status=Case.Status.CLOSED, closed_on=datetime.date(2026, 10, 1)
        )
        ClosingEventFactory(case=closed, on=closed.closed_on, by=UserFactory())
    client.force_login(supervisor)

    refresh_case_summaries()
    with django_assert_max_num_queries(CASELOAD_QUERIES):
        response = client.get(URL, {"status": "all"})

    listed = response.context["page"].object_list
    assert len(listed) == 4 * size
    assert [row.summary.next_step.endswith("could not be processed") for row in listed] == [True] * (2 * size) + [
        False
    ] * (2 * size), "the failed films need attention, so they come first"
