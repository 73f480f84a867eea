"""Recording, reading, editing and deleting sessions: every contact with the client."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import Case
from cases.tests.factories import CaseFactory, HelpingQuestionFactory
from clips.tests.factories import FilmFactory
from sessions.models import Session

from .factories import SessionFactory

pytestmark = pytest.mark.django_db


def create_url(case, kind=None) -> str:
    url = reverse("vig_sessions:session_create", kwargs={"reference": case.reference})
    return f"{url}?kind={kind}" if kind else url


def session_url(name, session) -> str:
    return reverse(f"vig_sessions:{name}", kwargs={"reference": session.case.reference, "session_id": session.pk})


def form_data(**overrides) -> dict:
    data = {
        "kind": "other",
        "held_on": "2026-10-05",
        "starts_at": "10:30",
        "duration_minutes": "45",
        "place": "home",
        "attendees": "Lauren (mother), Sam",
        "notes": "Talked about bedtimes.",
        "film": "",
    }
    return {**data, **overrides}


def writes(case) -> list[tuple[str, str]]:
    events = AuditEvent.objects.filter(case=case).exclude(action="view").order_by("pk")
    return [(e.action, e.object_label) for e in events]


# Recording


def test_it_records_a_session_with_all_its_details(client, case, practitioner):
    client.force_login(practitioner)

    response = client.post(create_url(case), form_data())

    session = Session.objects.get(case=case)
    assert response.status_code == 302
    assert response["Location"] == session.get_absolute_url()
    assert session.kind == Session.Kind.OTHER
    assert session.held_on == datetime.date(2026, 10, 5)
    assert session.starts_at == datetime.time(10, 30)
    assert session.duration_minutes == 45
    assert session.place == Session.Place.HOME
    assert session.attendees == "Lauren (mother), Sam"
    assert session.notes == "Talked about bedtimes."
    assert session.recorded_by == practitioner


def test_it_audits_the_new_session(client, case, practitioner):
    client.force_login(practitioner)

    client.post(create_url(case), form_data())

    session = Session.objects.get()
    assert writes(case) == [("create", f"Session {session.pk} (Other contact)")]


def test_the_first_session_with_a_referred_case_makes_it_active(client, practitioner):
    case = CaseFactory(practitioner=practitioner, status=Case.Status.REFERRED)
    client.force_login(practitioner)

    client.post(create_url(case), form_data(kind="initial"))

    case.refresh_from_db()
    assert case.status == Case.Status.ACTIVE
    assert ("update", case.reference) in writes(case)


def test_the_kind_in_the_link_is_chosen_already(client, case, practitioner):
    client.force_login(practitioner)

    response = client.get(create_url(case, "filming"))

    assert response.context["form"]["kind"].value() == "filming"


def test_who_was_there_starts_as_the_client_and_child(client, case, practitioner):
    client.force_login(practitioner)

    response = client.get(create_url(case))

    expected = f"{case.client.full_name} ({case.client.relationship_to_child}), {case.child.name}"
    assert response.context["form"]["attendees"].value() == expected


def test_a_shared_review_is_recorded_on_its_own_form(client, case, practitioner):
    client.force_login(practitioner)

    response = client.get(create_url(case, "review"))

    assert response.status_code == 302
    assert response["Location"] == reverse("vig_sessions:review_create", kwargs={"reference": case.reference})


def test_the_session_form_does_not_offer_shared_review_as_a_kind(client, case, practitioner):
    client.force_login(practitioner)

    response = client.post(create_url(case), form_data(kind="review"))

    assert response.status_code == 200
    assert "kind" in response.context["form"].errors
    assert not Session.objects.exists()


def test_a_session_cannot_be_recorded_in_advance(client, case, practitioner):
    client.force_login(practitioner)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = client.post(create_url(case), form_data(held_on=tomorrow.isoformat()))

    assert response.context["form"].errors["held_on"] == ["Record a session once it has happened, not in advance."]
    assert not Session.objects.exists()


def test_a_duration_must_be_sensible(client, case, practitioner):
    client.force_login(practitioner)

    response = client.post(create_url(case), form_data(duration_minutes="0"))

    assert "duration_minutes" in response.context["form"].errors


def test_a_filming_session_links_to_its_film(client, case, practitioner):
    film = FilmFactory(case=case)
    client.force_login(practitioner)

    client.post(create_url(case), form_data(kind="filming", film=film.pk))

    assert Session.objects.get().film == film


def test_only_a_filming_session_has_a_film(client, case, practitioner):
    film = FilmFactory(case=case)
    client.force_login(practitioner)

    response = client.post(create_url(case), form_data(kind="initial", film=film.pk))

    assert response.context["form"].errors["film"] == [
        "Only a filming session has a film. Choose “Filming”, or no film."
    ]


def test_a_film_of_another_case_cannot_be_linked(client, case, practitioner):
    other_film = FilmFactory(case=CaseFactory(practitioner=practitioner))
    client.force_login(practitioner)

    response = client.post(create_url(case), form_data(kind="filming", film=other_film.pk))

    assert "film" in response.context["form"].errors
    assert not Session.objects.exists()


def test_a_film_already_linked_to_a_session_is_not_offered_again(client, case, practitioner):
    film = FilmFactory(case=case)
    SessionFactory(case=case, kind="filming", film=film)
    client.force_login(practitioner)

    response = client.post(create_url(case), form_data(kind="filming", film=film.pk))

    assert "film" in response.context["form"].errors
    assert Session.objects.count() == 1


def test_films_are_named_as_the_case_page_numbers_them(client, case, practitioner):
    FilmFactory(case=case, recorded_on=datetime.date(2026, 9, 15), activity="Reading")
    FilmFactory(case=case, recorded_on=datetime.date(2026, 10, 15), activity="Lego")
    client.force_login(practitioner)

    response = client.get(create_url(case, "filming"))

    labels = [label for _, label in response.context["form"].fields["film"].choices][1:]
    assert labels == ["Film 1: 15 Sep 2026, Reading", "Film 2: 15 Oct 2026, Lego"]


def test_a_supervisor_cannot_record_a_session(client, case, supervisor):
    client.force_login(supervisor)

    response = client.post(create_url(case), form_data())

    assert response.status_code == 403
    assert not Session.objects.exists()


# Reading


def test_the_session_page_shows_what_happened(client, case, practitioner):
    session = SessionFactory(case=case, kind="other", notes="Talked about bedtimes.", duration_minutes=40)
    client.force_login(practitioner)

    response = client.get(session.get_absolute_url())

    page = response.content.decode()
    assert response.status_code == 200
    assert "Other contact" in page
    assert "8 Sep 2026" in page
    assert "40 minutes" in page
    assert "Talked about bedtimes." in page


def test_the_initial_meeting_links_straight_to_the_helping_question_and_ratings(client, case, practitioner):
    session = SessionFactory(case=case, kind="initial")
    HelpingQuestionFactory(case=case)
    client.force_login(practitioner)

    response = client.get(session.get_absolute_url())

    checklist = {item["label"]: item for item in response.context["checklist"]}
    assert checklist["Write the Helping Question"]["done"]
    assert not checklist["Rate each goal: where the client is now"]["done"]
    page = response.content.decode()
    assert reverse("cases:helping_question", kwargs={"reference": case.reference}) in page
    assert reverse("cases:ratings", kwargs={"reference": case.reference}) in page
    assert reverse("cases:goal_create", kwargs={"reference": case.reference}) in page


def test_the_ending_meeting_lists_final_ratings_after_descriptions_and_closing(client, case, practitioner):
    session = SessionFactory(case=case, kind="ending")
    client.force_login(practitioner)

    response = client.get(session.get_absolute_url())

    assert [item["label"] for item in response.context["checklist"]] == [
        "Final ratings for each goal",
        "The client's words at the end",
        "Close the case",
    ]
    assert reverse("vig_sessions:case_close", kwargs={"reference": case.reference}) in response.content.decode()


def test_a_filming_session_without_its_film_offers_the_upload(client, case, practitioner):
    session = SessionFactory(case=case, kind="filming")
    client.force_login(practitioner)

    response = client.get(session.get_absolute_url())

    assert reverse("clips:film_upload", kwargs={"reference": case.reference}) in response.content.decode()


def test_a_supervisor_reads_the_session_without_edit_links(client, case, supervisor):
    session = SessionFactory(case=case, kind="initial")
    client.force_login(supervisor)

    response = client.get(session.get_absolute_url())

    assert response.status_code == 200
    assert session_url("session_edit", session) not in response.content.decode()
    assert reverse("cases:ratings", kwargs={"reference": case.reference}) not in response.content.decode()


def test_a_session_of_another_case_is_not_found_through_this_one(client, case, practitioner):
    other = SessionFactory(case=CaseFactory(practitioner=practitioner))
    client.force_login(practitioner)

    response = client.get(
        reverse("vig_sessions:session_detail", kwargs={"reference": case.reference, "session_id": other.pk})
    )

    assert response.status_code == 404


# Editing and deleting


def test_it_edits_a_session_and_audits_the_fields_changed(client, case, practitioner):
    session = SessionFactory(case=case, kind="other", held_on=datetime.date(2026, 10, 5))
    client.force_login(practitioner)

    client.post(session_url("session_edit", session), form_data(notes="New notes", attendees=session.attendees))

    session.refresh_from_db()
    assert session.notes == "New notes"
    assert ("update", session.audit_label) in writes(case)
    event = AuditEvent.objects.get(action="update", object_id=str(session.pk))
    assert "notes" in event.summary
    assert "New notes" not in event.summary, "the audit names fields, never what was typed"


def test_editing_a_shared_review_session_goes_to_the_review_form(client, case, practitioner):
    from .factories import SharedReviewFactory

    review = SharedReviewFactory(case=case)
    client.force_login(practitioner)

    response = client.get(session_url("session_edit", review.session))

    assert response["Location"] == reverse(
        "vig_sessions:review_edit", kwargs={"reference": case.reference, "review_id": review.pk}
    )


def test_it_deletes_a_session_after_asking(client, case, practitioner):
    session = SessionFactory(case=case)
    client.force_login(practitioner)

    asked = client.get(session_url("session_delete", session))
    response = client.post(session_url("session_delete", session))

    assert "Delete this session?" in asked.content.decode()
    assert response["Location"] == case.get_absolute_url()
    assert not Session.objects.exists()
    assert ("delete", session.audit_label) in writes(case)


def test_a_supervisor_cannot_delete_a_session(client, case, supervisor):
    session = SessionFactory(case=case)
    client.force_login(supervisor)

    response = client.post(session_url("session_delete", session))

    assert response.status_code == 403
    assert Session.objects.filter(pk=session.pk).exists()
