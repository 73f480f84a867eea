"""Closing a case with a reason, and reopening it: the practitioner, or the team's supervisor."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from audit.models import AuditEvent
from cases.models import Case
from cases.tests.factories import CaseFactory
from sessions.models import ClosingEvent

pytestmark = pytest.mark.django_db


def close_url(case) -> str:
    return reverse("vig_sessions:case_close", kwargs={"reference": case.reference})


def reopen_url(case) -> str:
    return reverse("vig_sessions:case_reopen", kwargs={"reference": case.reference})


@pytest.fixture
def closed_case(practitioner):
    case = CaseFactory(practitioner=practitioner, status=Case.Status.CLOSED, closed_on=datetime.date(2026, 10, 20))
    ClosingEvent.objects.create(case=case, kind="closed", on=case.closed_on, reason="completed", by=practitioner)
    return case


def test_it_closes_a_case_with_a_reason(client, case, practitioner):
    client.force_login(practitioner)

    response = client.post(close_url(case), {"closed_on": "2026-10-20", "reason": "completed", "note": ""})

    assert response["Location"] == case.get_absolute_url()
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED
    assert case.closed_on == datetime.date(2026, 10, 20)
    closing = ClosingEvent.objects.get(case=case)
    assert (closing.kind, closing.reason, closing.by) == ("closed", "completed", practitioner)


def test_closing_is_audited_with_the_reason_and_not_the_note(client, case, practitioner):
    client.force_login(practitioner)

    client.post(close_url(case), {"closed_on": "2026-10-20", "reason": "other", "note": "Family moved abroad"})

    event = AuditEvent.objects.get(case=case, action="update")
    assert event.summary == "closed: other"
    assert ClosingEvent.objects.get().note == "Family moved abroad"


def test_another_reason_needs_saying(client, case, practitioner):
    client.force_login(practitioner)

    response = client.post(close_url(case), {"closed_on": "2026-10-20", "reason": "other", "note": " "})

    assert response.context["form"].errors["note"] == ["Say why the case is closing."]
    case.refresh_from_db()
    assert case.status == Case.Status.ACTIVE


def test_a_case_cannot_close_before_it_opened_or_in_the_future(client, case, practitioner):
    client.force_login(practitioner)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    early = client.post(close_url(case), {"closed_on": "2026-08-01", "reason": "completed"})
    later = client.post(close_url(case), {"closed_on": tomorrow.isoformat(), "reason": "completed"})

    assert early.context["form"].errors["closed_on"] == ["The case opened on 1 Sep 2026: it cannot close before that."]
    assert later.context["form"].errors["closed_on"] == ["Close the case on the day it closes, not in advance."]
    assert not ClosingEvent.objects.exists()


def test_the_close_page_says_what_is_still_missing(client, case, practitioner):
    client.force_login(practitioner)

    response = client.get(close_url(case))

    assert "Where the case stands:" in response.content.decode()
    assert "You can still close it" in response.content.decode()


def test_a_closed_case_is_not_closed_again(client, closed_case, practitioner):
    client.force_login(practitioner)

    response = client.post(close_url(closed_case), {"closed_on": "2026-10-25", "reason": "moved"})

    assert response.status_code == 302
    assert ClosingEvent.objects.count() == 1


def test_a_supervisor_cannot_close_a_case(client, case, supervisor):
    client.force_login(supervisor)

    response = client.post(close_url(case), {"closed_on": "2026-10-20", "reason": "completed"})

    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == Case.Status.ACTIVE


def test_the_practitioner_reopens_a_closed_case(client, closed_case, practitioner):
    client.force_login(practitioner)

    response = client.post(reopen_url(closed_case), {"note": "Closed by mistake"})

    assert response["Location"] == closed_case.get_absolute_url()
    closed_case.refresh_from_db()
    assert closed_case.status == Case.Status.ACTIVE
    assert closed_case.closed_on is None
    reopening = ClosingEvent.objects.get(kind="reopened")
    assert (reopening.note, reopening.by) == ("Closed by mistake", practitioner)
    assert AuditEvent.objects.get(case=closed_case, action="update").summary == "reopened"


def test_the_teams_supervisor_may_reopen_a_closed_case(client, closed_case, supervisor):
    client.force_login(supervisor)

    page = client.get(reopen_url(closed_case))
    client.post(reopen_url(closed_case), {"note": "The client asked to carry on"})

    assert page.status_code == 200
    closed_case.refresh_from_db()
    assert closed_case.status == Case.Status.ACTIVE
    assert AuditEvent.objects.get(case=closed_case, action="update").actor == supervisor


@pytest.mark.parametrize("who", ["other_supervisor", "other_practitioner"])
def test_nobody_else_finds_the_case_to_reopen(client, closed_case, request, who):
    client.force_login(request.getfixturevalue(who))

    response = client.post(reopen_url(closed_case), {"note": "x"})

    assert response.status_code == 404
    closed_case.refresh_from_db()
    assert closed_case.status == Case.Status.CLOSED


def test_a_colleague_in_the_same_team_cannot_reopen(client, closed_case, team):
    """Practitioners see only their own cases, even within a team."""
    colleague = UserFactory(team=team)
    client.force_login(colleague)

    assert client.post(reopen_url(closed_case), {"note": "x"}).status_code == 404


def test_reopening_needs_a_reason(client, closed_case, practitioner):
    client.force_login(practitioner)

    response = client.post(reopen_url(closed_case), {"note": ""})

    assert "note" in response.context["form"].errors
    closed_case.refresh_from_db()
    assert closed_case.is_closed


def test_the_case_page_offers_reopening_to_the_teams_supervisor(client, closed_case, supervisor):
    client.force_login(supervisor)

    response = client.get(closed_case.get_absolute_url())

    page = response.content.decode()
    assert reopen_url(closed_case) in page
    assert "Closed on 20 Oct 2026" in page
    assert "The work is complete" in page
    assert close_url(closed_case) not in page


def test_the_timeline_keeps_the_closing_and_the_reopening(client, closed_case, practitioner):
    client.force_login(practitioner)
    client.post(reopen_url(closed_case), {"note": "Closed by mistake"})

    response = client.get(closed_case.get_absolute_url())

    titles = [entry.title for group in response.context["timeline"] for entry in group.entries]
    assert titles == ["Case reopened", "Case closed"]
