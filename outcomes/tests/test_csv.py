"""The outcomes as CSV: the same figures, one row per goal and a summary, case references only."""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from audit.models import AuditEvent

from .builders import closed_case, goal_with

pytestmark = pytest.mark.django_db

PERIOD = "?start=2026-01-01&end=2026-12-31"
# Session and user (2), the team (1), the case counts (1), the goals grouped by change (1),
# the rows (1), the audit event (1), the session pushed on (3).
CSV_QUERIES = 10


def csv_url(team) -> str:
    return reverse("outcomes:team_csv", kwargs={"team_id": team.pk}) + PERIOD


def read(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.fixture
def closed(practitioner):
    case = closed_case(practitioner, closed_on=datetime.date(2026, 10, 1))
    goal_with(case, baseline=2, hoped_for=6, end=7, description="Sam tells me about his day")
    goal_with(case, baseline=5, hoped_for=5, end=5)
    goal_with(case, baseline=3)
    return case


def test_it_is_an_attachment_named_after_the_team_and_the_period(client, supervisor, team, closed):
    client.force_login(supervisor)

    response = client.get(csv_url(team))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="outcomes-team-{team.pk}-2026-01-01-to-2026-12-31.csv"'
    )


def test_it_has_one_row_per_goal(client, supervisor, team, closed):
    client.force_login(supervisor)

    rows = read(client.get(csv_url(team)))

    ref = closed.reference
    assert rows[:4] == [
        ["case_reference", "closed_on", "goal_number", "baseline", "hoped_for", "end", "change", "improved", "reached"],
        [ref, "01/10/2026", "1", "2", "6", "7", "5", "yes", "yes"],
        [ref, "01/10/2026", "2", "5", "5", "5", "0", "no", "yes"],
        [ref, "01/10/2026", "3", "3", "", "", "", "", ""],
    ]


def test_it_ends_with_the_summary_of_the_page(client, supervisor, team, closed):
    client.force_login(supervisor)

    summary = {row[1]: row[2] for row in read(client.get(csv_url(team))) if row and row[0] == "summary"}

    assert summary["period"] == "01/01/2026 to 31/12/2026"
    assert summary["cases closed"] == "1"
    assert summary["goals rated at baseline and end"] == "2"
    assert summary["mean change per goal"] == "2.50"
    assert summary["goals improved"] == "1"
    assert summary["goals that reached the hoped-for score"] == "2"
    assert summary["goals with no end rating"] == "1"
    assert summary["cases with goals that have no end rating"] == "1"
    assert summary["goals whose score changed by +5"] == "1"
    assert summary["goals whose score changed by 0"] == "1"


def test_it_holds_no_names_and_no_goal_text(client, supervisor, team, practitioner, closed):
    client.force_login(supervisor)

    text = client.get(csv_url(team)).content.decode()

    for personal in [closed.client.full_name, closed.child.name, practitioner.last_name, "Sam tells me"]:
        assert personal not in text


def test_the_export_is_audited(client, supervisor, team, closed):
    client.force_login(supervisor)

    client.get(csv_url(team))

    event = AuditEvent.objects.get(summary__startswith="outcomes CSV export")
    assert (event.actor, event.object_type, event.object_id) == (supervisor, "cases.team", str(team.pk))
    assert event.summary == "outcomes CSV export, 3 goals, 01/01/2026 to 31/12/2026"


def test_a_practitioner_exports_their_own_outcomes(client, practitioner, closed):
    client.force_login(practitioner)

    response = client.get(reverse("outcomes:practitioner_csv", kwargs={"user_id": practitioner.pk}) + PERIOD)

    assert response.status_code == 200
    assert len([row for row in read(response) if row and row[0] == closed.reference]) == 3


def test_a_supervisor_of_another_team_gets_no_export(client, other_supervisor, team, closed):
    client.force_login(other_supervisor)

    assert client.get(csv_url(team)).status_code == 404


@pytest.mark.parametrize("number_of_cases", [1, 10])
def test_the_export_query_count_does_not_grow_with_cases(
    client, django_assert_max_num_queries, supervisor, team, practitioner, number_of_cases
):
    for _ in range(number_of_cases):
        case = closed_case(practitioner, closed_on=datetime.date(2026, 10, 1))
        goal_with(case, baseline=1, hoped_for=5, end=4)
        goal_with(case, baseline=2)
    client.force_login(supervisor)

    with django_assert_max_num_queries(CSV_QUERIES):
        response = client.get(csv_url(team))

    assert len(read(response)) == 1 + 2 * number_of_cases + 1 + 12 + 1  # header, goals, gap, summary, spread
