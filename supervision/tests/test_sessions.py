"""Supervision sessions: logged by the team's supervisor, listed per practitioner and per supervisor,
shown on the cases discussed; clips shown only where the client agreed to supervision use."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from audit.models import AuditEvent
from cases.models import Consent
from cases.tests.factories import CaseFactory, ConsentFactory
from clips.models import Film
from clips.tests.factories import ClipFactory, FilmFactory
from supervision.models import SupervisionSession

from .factories import SupervisionSessionFactory

pytestmark = pytest.mark.django_db

HIDDEN = "the client has not consented (or has withdrawn consent) to showing their films in supervision"


def create_url(practitioner) -> str:
    return reverse("supervision:session_create", kwargs={"practitioner_id": practitioner.pk})


def form_data(**overrides) -> dict:
    data = {"held_on": "2026-10-20", "duration_minutes": "75", "notes": "Pauses and turn-taking."}
    data.update(overrides)
    return data


@pytest.fixture
def consented(case):
    ConsentFactory(case=case, purpose=Consent.Purpose.SUPERVISION)
    return case


@pytest.fixture
def clip(case):
    return ClipFactory(film=FilmFactory(case=case), caption="You waited and Sam answered")


def test_the_teams_supervisor_logs_a_session_with_the_cases_and_clips_discussed(
    client, consented, clip, practitioner, supervisor
):
    review_film = FilmFactory(case=consented, kind=Film.Kind.REVIEW)
    client.force_login(supervisor)

    response = client.post(
        create_url(practitioner),
        form_data(cases=[consented.pk], clips=[clip.pk], films=[review_film.pk]),
    )

    session = SupervisionSession.objects.get()
    assert response.status_code == 302 and response["Location"] == session.get_absolute_url()
    assert (session.practitioner, session.supervisor, session.recorded_by) == (practitioner, supervisor, supervisor)
    assert (session.held_on, session.duration_minutes) == (datetime.date(2026, 10, 20), 75)
    assert list(session.cases.all()) == [consented]
    assert list(session.clips.all()) == [clip]
    assert list(session.films.all()) == [review_film]


def test_logging_a_session_is_audited_on_each_case_discussed(client, practitioner, supervisor, case):
    second = CaseFactory(practitioner=practitioner)
    client.force_login(supervisor)

    client.post(create_url(practitioner), form_data(cases=[case.pk, second.pk]))

    events = AuditEvent.objects.filter(action="create", object_type="supervision.supervisionsession")
    assert sorted(e.case_reference for e in events) == sorted([case.reference, second.reference])
    assert all(e.summary == "logged" for e in events)


def test_the_practitioner_does_not_log_their_own_supervision(client, practitioner):
    client.force_login(practitioner)

    assert client.post(create_url(practitioner), form_data()).status_code == 403
    assert not SupervisionSession.objects.exists()


def test_only_the_practitioners_own_cases_can_be_chosen(client, practitioner, supervisor, team):
    colleague = CaseFactory(team=team)
    client.force_login(supervisor)

    response = client.post(create_url(practitioner), form_data(cases=[colleague.pk]))

    assert response.status_code == 200
    assert "cases" in response.context["form"].errors
    assert not SupervisionSession.objects.exists()


def test_clips_of_a_case_without_supervision_consent_are_not_offered(client, case, clip, practitioner, supervisor):
    client.force_login(supervisor)

    response = client.get(create_url(practitioner))

    assert list(response.context["form"].fields["clips"].queryset) == []
    assertNotContains(response, "You waited and Sam answered")


def test_clips_are_offered_once_consent_is_given_and_not_after_withdrawal(client, case, clip, practitioner, supervisor):
    consent = ConsentFactory(case=case, purpose=Consent.Purpose.SUPERVISION)
    client.force_login(supervisor)
    assert list(client.get(create_url(practitioner)).context["form"].fields["clips"].queryset) == [clip]

    consent.withdrawn_on = datetime.date(2026, 10, 15)
    consent.save()

    assert list(client.get(create_url(practitioner)).context["form"].fields["clips"].queryset) == []


def test_a_clip_needs_its_case_ticked(client, consented, clip, practitioner, supervisor):
    client.force_login(supervisor)

    response = client.post(create_url(practitioner), form_data(clips=[clip.pk]))

    assertContains(response, "Tick the case of every clip and review film discussed.")
    assert not SupervisionSession.objects.exists()


def test_a_session_cannot_be_logged_in_the_future(client, practitioner, supervisor):
    client.force_login(supervisor)

    response = client.post(create_url(practitioner), form_data(held_on="2099-01-01"))

    assert "held_on" in response.context["form"].errors


def session_with_clip(case, clip, practitioner, supervisor):
    clip.poster.save("p.jpg", ContentFile(b"jpeg"))
    return SupervisionSessionFactory(practitioner=practitioner, supervisor=supervisor, cases=[case], clips=[clip])


def test_the_session_page_shows_the_clips_where_the_client_agreed(client, consented, clip, practitioner, supervisor):
    session = session_with_clip(consented, clip, practitioner, supervisor)
    client.force_login(supervisor)

    response = client.get(session.get_absolute_url())

    assertContains(response, "You waited and Sam answered")
    assertContains(response, reverse("clips:clip_media", args=[consented.reference, clip.film_id, clip.pk, "poster"]))


@pytest.mark.parametrize("consent", ["never recorded", "withdrawn"])
def test_the_session_page_hides_the_clips_and_says_why(client, case, clip, practitioner, supervisor, consent):
    if consent == "withdrawn":
        ConsentFactory(case=case, purpose=Consent.Purpose.SUPERVISION, withdrawn_on=datetime.date(2026, 10, 15))
    session = session_with_clip(case, clip, practitioner, supervisor)
    client.force_login(supervisor)

    response = client.get(session.get_absolute_url())

    assertContains(response, HIDDEN)
    assertNotContains(response, "You waited and Sam answered")
    assertNotContains(response, "/media/poster/")


def test_the_practitioner_sees_their_own_clips_in_the_session(client, case, clip, practitioner, supervisor):
    session = session_with_clip(case, clip, practitioner, supervisor)
    client.force_login(practitioner)

    assertContains(client.get(session.get_absolute_url()), "You waited and Sam answered")


def test_the_session_is_shown_on_the_case_discussed(client, case, practitioner, supervisor):
    session = SupervisionSessionFactory(practitioner=practitioner, supervisor=supervisor, cases=[case])
    client.force_login(practitioner)

    assertContains(client.get(case.get_absolute_url()), session.get_absolute_url())


def test_the_sessions_are_listed_on_the_practitioners_page(client, practitioner, supervisor):
    session = SupervisionSessionFactory(practitioner=practitioner, supervisor=supervisor, duration_minutes=95)
    client.force_login(practitioner)

    response = client.get(reverse("supervision:practitioner", args=[practitioner.pk]))

    assertContains(response, session.get_absolute_url())
    assertContains(response, "<td>95</td>", html=True)


def test_the_practitioners_sessions_are_listed_newest_first(client, practitioner, supervisor):
    older = SupervisionSessionFactory(
        practitioner=practitioner, supervisor=supervisor, held_on=datetime.date(2026, 9, 1)
    )
    newer = SupervisionSessionFactory(
        practitioner=practitioner, supervisor=supervisor, held_on=datetime.date(2026, 11, 1)
    )
    client.force_login(practitioner)

    page = client.get(reverse("supervision:practitioner", args=[practitioner.pk])).content.decode()

    assert page.index(newer.get_absolute_url()) < page.index(older.get_absolute_url())


def test_the_sessions_a_supervisor_led_are_listed_on_their_page(client, practitioner, supervisor, other_supervisor):
    mine = SupervisionSessionFactory(practitioner=practitioner, supervisor=supervisor)
    theirs = SupervisionSessionFactory(practitioner=practitioner, supervisor=other_supervisor)
    client.force_login(supervisor)

    response = client.get(reverse("supervision:home"))

    assertContains(response, mine.get_absolute_url())
    assertNotContains(response, theirs.get_absolute_url())


def test_the_supervisor_changes_a_session(client, case, practitioner, supervisor):
    session = SupervisionSessionFactory(practitioner=practitioner, supervisor=supervisor, cases=[case])
    client.force_login(supervisor)

    client.post(
        reverse("supervision:session_edit", args=[session.pk]), form_data(duration_minutes="50", cases=[case.pk])
    )

    session.refresh_from_db()
    assert session.duration_minutes == 50
    event = AuditEvent.objects.get(action="update", object_type="supervision.supervisionsession")
    assert (event.case, event.summary) == (case, "changed: duration_minutes, notes")


def test_the_practitioner_cannot_change_a_session(client, practitioner, supervisor):
    session = SupervisionSessionFactory(practitioner=practitioner, supervisor=supervisor)
    client.force_login(practitioner)

    response = client.post(reverse("supervision:session_edit", args=[session.pk]), form_data(duration_minutes="5"))

    assert response.status_code == 403
    session.refresh_from_db()
    assert session.duration_minutes == 60


def test_a_supervisor_of_another_team_cannot_log_for_this_practitioner(client, practitioner, other_supervisor):
    client.force_login(other_supervisor)

    assert client.post(create_url(practitioner), form_data()).status_code == 404
    assert not SupervisionSession.objects.exists()


@pytest.mark.parametrize("sessions", [1, 6])
def test_the_practitioners_page_costs_the_same_however_many_sessions(
    client, django_assert_max_num_queries, case, practitioner, supervisor, sessions
):
    for _ in range(sessions):
        SupervisionSessionFactory(practitioner=practitioner, supervisor=supervisor, cases=[case])
        FilmFactory(case=case, kind=Film.Kind.REVIEW)
    client.force_login(supervisor)

    # Session and user (2), the practitioner (1), the view event (1), the trainee (1), notes to
    # answer (1), sessions (1), review films (1), whether this supervisor may log (1), the session
    # pushed on (3).
    with django_assert_max_num_queries(12):
        response = client.get(reverse("supervision:practitioner", args=[practitioner.pk]))

    assert response.content.decode().count("/supervision/sessions/") == sessions
