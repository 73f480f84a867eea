"""The caseload's stored summary: written from the rules, and refreshed by every kind of change.

Each test starts from a summary written for the case as it was, makes one
change the way the product makes it (a service, or the view where the view
writes), and reads the stored row back without refreshing it itself.
"""

import datetime
from datetime import timedelta
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.models import Case, Consent
from cases.tests.factories import ChildFactory, ClientFactory, ConsentFactory, GoalFactory
from cases.tests.test_descriptions import TEXTS
from cases.tests.test_goals_and_ratings import box
from clips import pipeline
from clips import services as clip_services
from clips.models import Film
from clips.tests.factories import ClipFactory
from letters import services as letter_services
from sessions import services
from sessions.models import CaseSummary, Session
from sessions.progress import case_progress, with_progress
from sessions.summary import refresh_case_summaries, refresh_case_summary
from sessions.tasks import refresh_case_summaries_task

from .factories import SessionFactory
from .stages import INITIAL_MEETING, cycles, film, started

pytestmark = pytest.mark.django_db


def nothing(*args, **kwargs):
    """An audit callback for services called outside a request."""


def stored(case) -> CaseSummary:
    return CaseSummary.objects.get(case=case)


@pytest.fixture
def summarised(case):
    """The fixture case, started, with its summary written."""
    started(case)
    refresh_case_summary(case)
    assert stored(case).next_step == "Film 1 to record"
    return case


# Written from the rules


def test_the_summary_is_what_the_rules_say(case):
    started(case)
    cycles(case, 1)
    film(case, datetime.date(2026, 11, 1), clips=0)

    summary = refresh_case_summary(case)

    progress = case_progress(with_progress(Case.objects).get(pk=case.pk))
    assert (summary.stage, summary.cycle, summary.next_step) == (progress.stage, progress.cycle, progress.next_step)
    assert summary.last_contact == datetime.date(2026, 11, 1)
    assert summary.films_awaiting_analysis == 1
    assert (summary.review_number, summary.review_due_on) == (2, datetime.date(2026, 11, 15))


def test_the_stored_reasons_read_the_same_as_the_case_page(case):
    started(case)
    film(case, datetime.date(2026, 9, 15))
    ConsentFactory(case=case, purpose=Consent.Purpose.SUPERVISION, withdrawn_on=datetime.date(2026, 10, 1))
    today = datetime.date(2026, 12, 1)

    summary = refresh_case_summary(case)

    progress = case_progress(with_progress(Case.objects).get(pk=case.pk), today=today)
    assert summary.reasons(today) == list(progress.reasons)
    assert len(progress.reasons) == 3


def test_a_closed_case_has_nothing_to_flag(case):
    case.status, case.closed_on = Case.Status.CLOSED, datetime.date(2026, 10, 1)
    case.save()

    summary = refresh_case_summary(case)

    assert summary.next_step == "Closed on 1 Oct 2026"
    assert summary.quiet_since is None
    assert summary.reasons(datetime.date(2027, 6, 1)) == []


def test_refreshing_all_writes_every_case_once(case, practitioner):
    from cases.tests.factories import CaseFactory

    CaseFactory.create_batch(3, practitioner=practitioner)

    assert refresh_case_summaries(batch_size=2) == 4
    assert refresh_case_summaries(batch_size=2) == 4
    assert CaseSummary.objects.count() == 4


def test_the_command_and_the_nightly_task_refresh_the_summaries(case):
    started(case)
    out = StringIO()

    call_command("refresh_case_summaries", stdout=out)

    assert stored(case).next_step == "Film 1 to record"
    assert "Refreshed the summaries of 1 case." in out.getvalue()
    SessionFactory(case=case, kind=Session.Kind.OTHER, held_on=datetime.date(2026, 10, 2))
    assert refresh_case_summaries_task() == 1
    assert stored(case).last_contact == datetime.date(2026, 10, 2)


# Refreshed by each kind of change


def test_opening_a_case_writes_its_summary(practitioner):
    case = case_services.create_case(
        client=ClientFactory.build(), child=ChildFactory.build(), practitioner=practitioner, team=practitioner.team
    )

    assert stored(case).next_step == "Initial meeting to arrange"


def test_recording_a_session_refreshes_it(summarised, practitioner):
    session = Session(case=summarised, kind=Session.Kind.FILMING, held_on=datetime.date(2026, 10, 1))

    services.record_session(session=session, recorded_by=practitioner, audit=nothing)

    assert stored(summarised).next_step == "Film 1 to upload"
    assert stored(summarised).last_contact == datetime.date(2026, 10, 1)


def test_editing_a_session_refreshes_it(client, summarised, practitioner):
    session = summarised.sessions.get()
    client.force_login(practitioner)

    client.post(
        reverse("vig_sessions:session_edit", kwargs={"reference": summarised.reference, "session_id": session.pk}),
        {"kind": "initial", "held_on": "2026-09-20", "place": "home"},
    )

    assert stored(summarised).last_contact == datetime.date(2026, 9, 20)


def test_deleting_a_session_refreshes_it(summarised):
    filming = SessionFactory(case=summarised, kind=Session.Kind.FILMING, held_on=datetime.date(2026, 10, 1))
    refresh_case_summary(summarised)

    services.delete_session(session=filming, audit=nothing)

    assert stored(summarised).next_step == "Film 1 to record"


def test_saving_a_shared_review_refreshes_it(summarised, practitioner):
    recorded = film(summarised, datetime.date(2026, 9, 15))
    refresh_case_summary(summarised)
    assert stored(summarised).next_step == "Review 1 due"
    session = Session(case=summarised, held_on=datetime.date(2026, 9, 22))
    from sessions.models import SharedReview

    services.save_shared_review(
        session=session,
        review=SharedReview(film=recorded),
        clips=recorded.clips.all(),
        scores={},
        recorded_by=practitioner,
        audit=nothing,
    )

    assert stored(summarised).next_step == "Film 2 to record"
    assert stored(summarised).cycles_done == 1


def test_closing_and_reopening_refresh_it(summarised, practitioner):
    services.close_case(
        case=summarised, on=datetime.date(2026, 10, 1), reason="completed", note="", by=practitioner, audit=nothing
    )
    assert stored(summarised).stage == "closed"

    services.reopen_case(case=summarised, note="", by=practitioner, audit=nothing)

    assert stored(summarised).next_step == "Film 1 to record"


def test_editing_the_case_refreshes_it(client, summarised, practitioner):
    client.force_login(practitioner)

    client.post(
        reverse("cases:edit", kwargs={"reference": summarised.reference}),
        {
            "client-full_name": summarised.client.full_name,
            "client-relationship_to_child": "mother",
            "child-name": summarised.child.name,
            "status": "closed",
            "setting": "home",
            "opened_on": summarised.opened_on.isoformat(),
            "closed_on": "2026-10-01",
        },
    )

    assert stored(summarised).next_step == "Closed on 1 Oct 2026"


def test_agreeing_the_helping_question_refreshes_it(client, case, practitioner):
    SessionFactory(case=case, kind=Session.Kind.INITIAL, held_on=INITIAL_MEETING)
    refresh_case_summary(case)
    assert stored(case).next_step == "Write the Helping Question"
    client.force_login(practitioner)

    client.post(
        reverse("cases:helping_question", kwargs={"reference": case.reference}),
        {"text": "How can I help Sam talk to me?", "agreed_on": "2026-09-08"},
    )

    assert stored(case).next_step == "Baseline ratings missing"


def test_adding_a_goal_refreshes_it(client, summarised, practitioner):
    client.force_login(practitioner)

    client.post(reverse("cases:goal_create", kwargs={"reference": summarised.reference}), {"description": "Bedtime"})

    assert stored(summarised).next_step == "Baseline ratings missing"


def test_deleting_a_goal_refreshes_it(client, summarised, practitioner):
    goal = GoalFactory(case=summarised)
    refresh_case_summary(summarised)
    assert stored(summarised).next_step == "Baseline ratings missing"
    client.force_login(practitioner)

    client.post(reverse("cases:goal_delete", kwargs={"reference": summarised.reference, "goal_id": goal.pk}))

    assert stored(summarised).next_step == "Film 1 to record"


def test_rating_the_goals_refreshes_it(client, summarised, practitioner):
    goal = GoalFactory(case=summarised)
    refresh_case_summary(summarised)
    client.force_login(practitioner)

    client.post(reverse("cases:ratings", kwargs={"reference": summarised.reference}), {box(goal, "baseline"): "4"})

    assert stored(summarised).next_step == "Film 1 to record"


def test_recording_descriptions_refreshes_it(client, summarised, practitioner):
    cycles(summarised, 1, plan_last="ending")
    for goal in summarised.goals.all():
        goal.ratings.create(phase="end", score=7)
    refresh_case_summary(summarised)
    assert stored(summarised).next_step == "Ready to close: after descriptions missing"
    client.force_login(practitioner)

    client.post(reverse("cases:descriptions", kwargs={"reference": summarised.reference}), TEXTS)

    assert stored(summarised).next_step == "Ready to close"


def test_giving_and_withdrawing_consent_refresh_it(client, summarised, practitioner):
    client.force_login(practitioner)
    client.post(
        reverse("cases:consent_create", kwargs={"reference": summarised.reference}),
        {"purpose": "training", "given_by": "Mother", "given_on": "2026-09-08"},
    )
    consent = summarised.consents.get()
    assert stored(summarised).consent_withdrawn is False

    client.post(
        reverse("cases:consent_withdraw", kwargs={"reference": summarised.reference, "consent_id": consent.pk}),
        {"withdrawn_on": "2026-10-01"},
    )

    assert stored(summarised).withdrawn_consents == "training"


def test_a_film_finishing_or_failing_refreshes_it(summarised):
    recorded = film(summarised, datetime.date(2026, 9, 15), status=Film.Status.PROCESSING, clips=0)
    refresh_case_summary(summarised)
    assert stored(summarised).next_step == "Film 1 being processed"
    info = SimpleNamespace(duration=60.0, width=640, height=360, frame_rate=25.0)  # what finish() reads of a probe

    pipeline.finish(recorded, info, thumbnail_count=10, thumbnail_interval=6.0)
    assert stored(summarised).films_awaiting_analysis == 1

    pipeline.fail(recorded, "broken")
    assert stored(summarised).failed_film_number == 1


def test_retrying_a_failed_film_refreshes_it(summarised):
    recorded = film(summarised, datetime.date(2026, 9, 15), status=Film.Status.FAILED, clips=0)
    refresh_case_summary(summarised)

    clip_services.retry(recorded)

    assert stored(summarised).next_step == "Film 1 being processed"


def test_choosing_and_deleting_clips_refresh_it(summarised, practitioner):
    recorded = film(summarised, datetime.date(2026, 9, 15), clips=0)
    refresh_case_summary(summarised)
    assert stored(summarised).films_awaiting_analysis == 1

    clip = clip_services.create_clip(
        film=recorded,
        data={"start_frame": 0, "end_frame": 50, "caption": "You waited"},
        tags=[],
        created_by=practitioner,
    )
    assert stored(summarised).next_step == "Review 1 due"

    clip_services.delete_clip(clip)
    assert stored(summarised).films_awaiting_analysis == 1


def test_deleting_a_film_refreshes_it(summarised):
    recorded = film(summarised, datetime.date(2026, 9, 15), session=False)
    ClipFactory(film=recorded)
    refresh_case_summary(summarised)

    clip_services.delete_film(recorded)

    assert stored(summarised).next_step == "Film 1 to record"


def test_each_letter_step_refreshes_it(summarised, supervisor, practitioner):
    letter = letter_services.start_draft(summarised, practitioner)
    assert stored(summarised).letter_status == "draft"

    letter_services.ask_for_approval(letter)
    assert stored(summarised).letter_status == "awaiting_approval"

    letter_services.approve(letter, supervisor)
    assert stored(summarised).letter_status == "approved"

    letter_services.finalise(letter, practitioner)
    assert stored(summarised).letter_status == "finalised"


def test_a_new_draft_after_a_finalised_letter_is_a_draft_again(summarised, practitioner):
    letter_services.finalise(letter_services.start_draft(summarised, practitioner), practitioner)

    letter_services.start_draft(summarised, practitioner)

    assert stored(summarised).letter_status == "draft"


def test_the_overdue_flag_is_not_stored_but_asked_of_today(summarised):
    film(summarised, timezone.localdate() - timedelta(days=10))

    summary = refresh_case_summary(summarised)

    assert summary.review_due_on == timezone.localdate() + timedelta(days=4)
    assert not summary.watch.is_review_overdue(timezone.localdate())
    assert summary.watch.is_review_overdue(timezone.localdate() + timedelta(days=5))
