"""Where a case stands and what is next: every stage of the cycle, and the unusual paths."""

import datetime
from datetime import timedelta

import pytest

from cases.models import Case, Consent
from cases.tests.factories import ConsentFactory, GoalFactory, GoalRatingFactory, HelpingQuestionFactory
from clips.models import Film
from sessions.models import Session, SharedReview
from sessions.progress import Stage

from .factories import ClosingEventFactory, SessionFactory
from .stages import FIRST_FILM, INITIAL_MEETING, cycles, ending, film, progress_of, review, started

pytestmark = pytest.mark.django_db

Plan = SharedReview.Plan


# Getting started


def test_a_referred_case_with_no_meeting_has_the_initial_meeting_to_arrange(case):
    case.status = Case.Status.REFERRED
    case.save()

    progress = progress_of(case)

    assert progress.next_step == "Initial meeting to arrange"
    assert progress.stage == Stage.STARTING
    assert progress.cycle == 0
    assert progress.cycle_label == "Getting started"
    assert progress.action.url.endswith("/sessions/new/?kind=initial")


def test_after_the_initial_meeting_the_helping_question_comes_first(case):
    SessionFactory(case=case, kind=Session.Kind.INITIAL)

    assert progress_of(case).next_step == "Write the Helping Question"


def test_with_a_helping_question_but_no_goals_baseline_ratings_are_missing(case):
    SessionFactory(case=case, kind=Session.Kind.INITIAL)
    HelpingQuestionFactory(case=case)

    progress = progress_of(case)

    assert progress.next_step == "Baseline ratings missing"
    assert progress.action.label == "Add a goal"


def test_a_goal_without_a_baseline_rating_is_still_missing_one(case):
    started(case, goals=1)
    GoalFactory(case=case)  # a second goal, not rated yet

    progress = progress_of(case)

    assert progress.next_step == "Baseline ratings missing"
    assert progress.action.label == "Rate the goals"


def test_a_helping_question_written_without_a_logged_meeting_does_not_hold_the_case_up(case):
    """Records made before sessions were logged: the Helping Question shows the meeting happened."""
    HelpingQuestionFactory(case=case)
    goal = GoalFactory(case=case)
    GoalRatingFactory(goal=goal, phase="baseline")

    assert progress_of(case).next_step == "Film 1 to record"


# One cycle, step by step


def test_once_started_the_first_film_is_to_record(case):
    started(case)

    progress = progress_of(case)

    assert progress.next_step == "Film 1 to record"
    assert progress.stage == Stage.FILMING
    assert progress.cycle == 1
    assert progress.cycles_done == 0


def test_filmed_but_not_uploaded_the_film_is_to_upload(case):
    started(case)
    SessionFactory(case=case, kind=Session.Kind.FILMING, held_on=FIRST_FILM)

    progress = progress_of(case)

    assert progress.next_step == "Film 1 to upload"
    assert progress.detail == "Filmed on 15 Sep 2026."
    assert progress.action.url.endswith("/films/new/")


def test_a_film_left_unuploaded_for_more_than_14_days_holds_the_review_up(case):
    started(case)
    SessionFactory(case=case, kind=Session.Kind.FILMING, held_on=FIRST_FILM)

    progress = progress_of(case, today=FIRST_FILM + timedelta(days=15))

    assert progress.reasons == ("Review 1 due: filmed 15 days ago, film not uploaded",)


def test_a_filming_before_the_last_review_is_not_waiting_for_an_upload(case):
    """Filmed, never uploaded, reviewed anyway (watched on the device): the next film is next."""
    started(case)
    SessionFactory(case=case, kind=Session.Kind.FILMING, held_on=FIRST_FILM)
    review(case, FIRST_FILM + timedelta(days=7))

    assert progress_of(case).next_step == "Review 1 recorded without a film"


def test_a_film_being_processed_says_so(case):
    started(case)
    film(case, FIRST_FILM, status=Film.Status.PROCESSING, clips=0)

    progress = progress_of(case)

    assert progress.next_step == "Film 1 being processed"
    assert progress.stage == Stage.PROCESSING
    assert not progress.needs_attention


def test_a_failed_film_says_so_and_needs_attention(case):
    started(case)
    film(case, FIRST_FILM, status=Film.Status.FAILED, clips=0)

    progress = progress_of(case)

    assert progress.next_step == "Film 1 could not be processed"
    assert progress.reasons == ("Film 1 could not be processed",)


def test_a_film_with_no_clips_is_waiting_for_micro_analysis(case):
    started(case)
    recorded = film(case, FIRST_FILM, clips=0)

    progress = progress_of(case)

    assert progress.next_step == "Film 1 recorded, clips not selected yet"
    assert progress.stage == Stage.MICRO_ANALYSIS
    assert progress.action.url.endswith(f"/films/{recorded.pk}/analyse/")


def test_once_clips_are_chosen_the_review_is_due(case):
    started(case)
    film(case, FIRST_FILM, clips=3)

    progress = progress_of(case)

    assert progress.next_step == "Review 1 due"
    assert progress.stage == Stage.REVIEW_DUE
    assert progress.detail == "3 clips from film 1 to watch with the client."


def test_a_review_due_for_more_than_14_days_needs_attention(case):
    started(case)
    film(case, FIRST_FILM)

    on_time = progress_of(case, today=FIRST_FILM + timedelta(days=14))
    late = progress_of(case, today=FIRST_FILM + timedelta(days=15))

    assert not on_time.needs_attention
    assert late.reasons == ("Review 1 due: film 1 recorded 15 days ago",)


def test_after_review_1_the_second_film_is_next(case):
    started(case)
    cycles(case, 1)

    progress = progress_of(case)

    assert progress.next_step == "Film 2 to record"
    assert progress.cycle == 2
    assert progress.cycles_done == 1
    assert progress.detail == "Planned at review 1."


def test_after_three_cycles_the_case_moves_to_the_ending(case):
    started(case)
    cycles(case, 3)

    progress = progress_of(case)

    assert progress.next_step == "Ready to close: final ratings and after descriptions missing"
    assert progress.stage == Stage.ENDING
    assert progress.cycle == 3
    assert progress.cycle_label == "Ending"


def test_ending_with_final_ratings_still_needs_the_after_descriptions(case):
    started(case)
    cycles(case, 3)
    ending(case, final_ratings=True, after=False)

    progress = progress_of(case)

    assert progress.next_step == "Ready to close: after descriptions missing"
    assert progress.action.url.endswith("/descriptions/")


def test_ending_with_after_descriptions_still_needs_final_ratings(case):
    started(case)
    cycles(case, 3)
    ending(case, final_ratings=False, after=True)

    assert progress_of(case).next_step == "Ready to close: final ratings missing"


def test_with_everything_recorded_the_case_is_ready_to_close(case):
    started(case)
    cycles(case, 3)
    ending(case)

    progress = progress_of(case)

    assert progress.next_step == "Ready to close"
    assert progress.stage == Stage.READY_TO_CLOSE
    assert progress.action.url.endswith("/close/")


def test_a_closed_case_says_when_and_why(case):
    started(case)
    case.status = Case.Status.CLOSED
    case.closed_on = datetime.date(2026, 10, 1)
    case.save()
    ClosingEventFactory(case=case, on=case.closed_on, reason="client_ended")

    progress = progress_of(case, today=datetime.date(2027, 6, 1))

    assert progress.next_step == "Closed on 1 Oct 2026"
    assert progress.detail == "The client chose to end the work"
    assert progress.stage == Stage.CLOSED
    assert not progress.needs_attention, "a closed case is never out of contact"


def test_a_case_closed_by_editing_it_has_no_reason_but_still_says_closed(case):
    case.status = Case.Status.CLOSED
    case.closed_on = datetime.date(2026, 10, 1)
    case.save()

    progress = progress_of(case)

    assert progress.next_step == "Closed on 1 Oct 2026"
    assert progress.detail == ""


# Unusual paths


def test_one_cycle_only_when_the_practitioner_moves_to_the_ending(case):
    started(case)
    cycles(case, 1, plan_last=Plan.ENDING)

    progress = progress_of(case)

    assert progress.stage == Stage.ENDING
    assert progress.cycles_done == 1


def test_five_cycles_when_the_client_asks_for_more(case):
    started(case)
    cycles(case, 3, plan_last=Plan.ANOTHER_FILM)
    assert progress_of(case).next_step == "Film 4 to record"

    fourth = film(case, datetime.date(2026, 12, 1))
    assert progress_of(case).next_step == "Review 4 due"
    review(case, datetime.date(2026, 12, 8), film=fourth, plan=Plan.ANOTHER_FILM)
    assert progress_of(case).next_step == "Film 5 to record"

    fifth = film(case, datetime.date(2027, 1, 5), clips=0)
    assert progress_of(case).next_step == "Film 5 recorded, clips not selected yet"
    review(case, datetime.date(2027, 1, 12), film=fifth)

    progress = progress_of(case)
    assert progress.stage == Stage.ENDING
    assert progress.cycles_done == 5


def test_a_new_film_after_three_reviews_means_another_cycle_even_without_saying_so(case):
    started(case)
    cycles(case, 3)
    film(case, datetime.date(2026, 12, 1), clips=0)

    assert progress_of(case).next_step == "Film 4 recorded, clips not selected yet"


def test_a_review_of_a_film_with_no_clips_still_closes_the_cycle(case):
    started(case)
    recorded = film(case, FIRST_FILM, clips=0)
    review(case, FIRST_FILM + timedelta(days=7), film=recorded)

    assert progress_of(case).next_step == "Film 2 to record"


def test_a_review_recorded_before_the_film_was_processed_does_not_crash(case):
    """The film is still processing; the review was recorded without it."""
    started(case)
    film(case, FIRST_FILM, status=Film.Status.PROCESSING, clips=0)
    shared = review(case, FIRST_FILM + timedelta(days=7))

    progress = progress_of(case)

    assert progress.next_step == "Review 1 recorded without a film"
    assert progress.detail == "Link its film when it is uploaded. Next: film 2."
    assert progress.action.url.endswith(f"/reviews/{shared.pk}/edit/")
    assert progress.cycles_done == 1


def test_a_review_linked_to_a_film_still_processing_closes_its_cycle(case):
    started(case)
    processing = film(case, FIRST_FILM, status=Film.Status.PROCESSING, clips=0)
    review(case, FIRST_FILM + timedelta(days=7), film=processing)

    assert progress_of(case).next_step == "Film 2 to record"


def test_a_review_with_no_film_at_all(case):
    started(case)
    review(case, FIRST_FILM)

    assert progress_of(case).next_step == "Review 1 recorded without a film"


def test_a_failed_film_filmed_again_is_left_behind(case):
    started(case)
    film(case, FIRST_FILM, status=Film.Status.FAILED, clips=0)
    film(case, FIRST_FILM + timedelta(days=3), clips=2)

    progress = progress_of(case)

    assert progress.next_step == "Review 1 due"
    assert not progress.needs_attention


def test_a_film_that_failed_and_was_never_reviewed_does_not_hold_up_the_next_cycle(case):
    started(case)
    film(case, FIRST_FILM, status=Film.Status.FAILED, clips=0)
    review(case, FIRST_FILM + timedelta(days=7))

    assert progress_of(case).next_step == "Review 1 recorded without a film"
    assert not progress_of(case).needs_attention


def test_an_ending_meeting_moves_the_case_to_the_ending_whatever_the_cycle(case):
    started(case)
    cycles(case, 1)
    SessionFactory(case=case, kind=Session.Kind.ENDING, held_on=datetime.date(2026, 10, 30))

    progress = progress_of(case)

    assert progress.stage == Stage.ENDING
    assert progress.detail == "", "no need to suggest the ending meeting once it has been held"


def test_an_unreviewed_film_does_not_delay_an_ending_meeting_already_held(case):
    started(case)
    cycles(case, 2)
    film(case, datetime.date(2026, 11, 1))
    SessionFactory(case=case, kind=Session.Kind.ENDING, held_on=datetime.date(2026, 11, 20))

    progress = progress_of(case, today=datetime.date(2026, 12, 20))

    assert progress.stage == Stage.ENDING
    assert not any("Review" in reason for reason in progress.reasons)


# Attention


def test_no_contact_for_more_than_the_threshold_needs_attention(case):
    started(case)

    at_threshold = progress_of(case, today=INITIAL_MEETING + timedelta(days=35))
    past_it = progress_of(case, today=INITIAL_MEETING + timedelta(days=36))

    assert not at_threshold.needs_attention
    assert past_it.reasons == ("No contact for 36 days",)
    assert past_it.last_contact == INITIAL_MEETING


def test_the_no_contact_threshold_is_a_setting(case, settings):
    settings.VIG_NO_CONTACT_DAYS = 10
    started(case)

    assert progress_of(case, today=INITIAL_MEETING + timedelta(days=11)).reasons == ("No contact for 11 days",)


def test_a_referral_nobody_has_contacted_counts_from_the_day_it_opened(case):
    case.status = Case.Status.REFERRED
    case.save()

    progress = progress_of(case, today=case.opened_on + timedelta(days=40))

    assert progress.reasons == ("No contact for 40 days",)


def test_withdrawn_consent_needs_attention(case):
    started(case)
    ConsentFactory(case=case, purpose=Consent.Purpose.SUPERVISION, withdrawn_on=datetime.date(2026, 9, 20))

    assert progress_of(case).reasons == ("Consent withdrawn: Clips shown in the practitioner's supervision",)


def test_consent_given_again_after_a_withdrawal_does_not(case):
    started(case)
    ConsentFactory(case=case, purpose=Consent.Purpose.SUPERVISION, withdrawn_on=datetime.date(2026, 9, 20))
    ConsentFactory(case=case, purpose=Consent.Purpose.SUPERVISION, given_on=datetime.date(2026, 9, 21))

    assert not progress_of(case).needs_attention


def test_several_reasons_are_all_given(case):
    started(case)
    film(case, FIRST_FILM, status=Film.Status.FAILED, clips=0)
    ConsentFactory(case=case, purpose=Consent.Purpose.FILMING, withdrawn_on=datetime.date(2026, 9, 20))

    progress = progress_of(case, today=FIRST_FILM + timedelta(days=60))

    assert progress.reasons == (
        "No contact for 60 days",
        "Film 1 could not be processed",
        "Consent withdrawn: Filming",
    )


def test_film_and_review_numbers_can_differ_when_a_film_was_filmed_again(case):
    started(case)
    film(case, FIRST_FILM, status=Film.Status.FAILED, clips=0)
    second = film(case, FIRST_FILM + timedelta(days=3))
    review(case, FIRST_FILM + timedelta(days=10), film=second)

    progress = progress_of(case)

    assert progress.next_step == "Film 3 to record"
    assert progress.cycles_done == 1
