"""Supervision notes: the supervisor writes on a case, the practitioner sees it flagged and answers."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from audit.models import AuditEvent
from cases.tests.factories import CaseFactory
from cases.tests.test_goals_and_ratings import CASE_PAGE_QUERIES
from supervision.models import SupervisionNote

from .factories import SupervisionNoteFactory

pytestmark = pytest.mark.django_db

WAITING_BADGE = "waiting for your answer"


def note_url(case) -> str:
    return reverse("supervision:note_create", kwargs={"reference": case.reference})


def notes_page(case) -> str:
    return reverse("supervision:case_notes", kwargs={"reference": case.reference})


def test_a_supervisor_of_the_team_leaves_a_note_on_a_case(client, case, supervisor):
    client.force_login(supervisor)

    response = client.post(note_url(case), {"text": "Which clip will you choose for the pauses?"})

    assert response.status_code == 302
    note = SupervisionNote.objects.get(case=case)
    assert (note.author, note.author_role, note.in_reply_to) == (supervisor, "supervisor", None)


def test_the_note_is_shown_on_the_case_page_with_its_author_role_and_date(client, case, supervisor, practitioner):
    supervisor.first_name, supervisor.last_name = "Ruth", "Adeyemi"
    supervisor.save()
    SupervisionNoteFactory(case=case, author=supervisor, text="Which clip shows the pauses?")
    client.force_login(practitioner)

    response = client.get(case.get_absolute_url())

    assertContains(response, "Which clip shows the pauses?")
    assertContains(response, "Ruth Adeyemi")
    assertContains(response, '<span class="badge text-bg-light border">Supervisor</span>', html=True)


def test_the_practitioner_sees_an_unanswered_note_flagged(client, case, supervisor, practitioner):
    SupervisionNoteFactory(case=case, author=supervisor)
    client.force_login(practitioner)

    assertContains(client.get(case.get_absolute_url()), WAITING_BADGE)


def test_an_answer_from_the_practitioner_clears_the_flag(client, case, supervisor, practitioner):
    note = SupervisionNoteFactory(case=case, author=supervisor)
    client.force_login(practitioner)

    client.post(note_url(case), {"text": "The second one, at 00:42.", "in_reply_to": note.pk})

    answer = SupervisionNote.objects.get(in_reply_to=note)
    assert (answer.author, answer.author_role) == (practitioner, "practitioner")
    assertNotContains(client.get(case.get_absolute_url()), WAITING_BADGE)
    assert not SupervisionNote.objects.unanswered().exists()


def test_a_supervisors_own_follow_up_does_not_answer_the_note(case, supervisor):
    note = SupervisionNoteFactory(case=case, author=supervisor)
    SupervisionNoteFactory(case=case, author=supervisor, in_reply_to=note)

    assert list(SupervisionNote.objects.unanswered()) == [note]


def test_an_answer_to_an_answer_joins_the_same_thread(client, case, supervisor, practitioner):
    note = SupervisionNoteFactory(case=case, author=supervisor)
    answer = SupervisionNoteFactory(case=case, author=practitioner, author_role="practitioner", in_reply_to=note)
    client.force_login(supervisor)

    client.post(note_url(case), {"text": "Thank you, that works.", "in_reply_to": answer.pk})

    assert SupervisionNote.objects.get(text="Thank you, that works.").in_reply_to == note


def test_an_answer_to_a_note_of_another_case_is_refused(client, case, supervisor, practitioner):
    elsewhere = SupervisionNoteFactory(case=CaseFactory(practitioner=practitioner), author=supervisor)
    client.force_login(practitioner)

    response = client.post(note_url(case), {"text": "Answer", "in_reply_to": elsewhere.pk})

    assert response.status_code == 400
    assert not SupervisionNote.objects.filter(text="Answer").exists()


def test_an_empty_note_is_refused(client, case, supervisor):
    client.force_login(supervisor)

    assert client.post(note_url(case), {"text": "  "}).status_code == 400
    assert not SupervisionNote.objects.exists()


@pytest.mark.parametrize("who,status", [("other_supervisor", 404), ("other_practitioner", 404), ("administrator", 403)])
def test_only_the_teams_supervisor_and_the_practitioner_write_notes(client, case, request, who, status):
    client.force_login(request.getfixturevalue(who))

    assert client.post(note_url(case), {"text": "A note"}).status_code == status
    assert not SupervisionNote.objects.exists()


def test_a_note_is_audited_without_its_words(client, case, supervisor):
    client.force_login(supervisor)

    client.post(note_url(case), {"text": "Private words about the family"})

    note = SupervisionNote.objects.get()
    event = AuditEvent.objects.get(action=AuditEvent.Action.CREATE, object_id=str(note.pk))
    assert (event.actor, event.case, event.summary) == (supervisor, case, "note")
    assert "Private words" not in f"{event.summary} {event.object_label}"


def test_the_notes_page_shows_the_threads_in_order(client, case, supervisor, practitioner):
    first = SupervisionNoteFactory(case=case, author=supervisor, text="First question")
    SupervisionNoteFactory(
        case=case, author=practitioner, author_role="practitioner", in_reply_to=first, text="First answer"
    )
    SupervisionNoteFactory(case=case, author=supervisor, text="Second question")
    client.force_login(practitioner)

    page = client.get(notes_page(case)).content.decode()

    assert page.index("First question") < page.index("First answer") < page.index("Second question")


def test_the_administrator_reads_the_notes_without_a_form_to_write(client, case, supervisor, administrator):
    SupervisionNoteFactory(case=case, author=supervisor, text="A question")
    client.force_login(administrator)

    response = client.get(notes_page(case))

    assertContains(response, "A question")
    assertNotContains(response, note_url(case))


def test_the_practitioners_page_lists_the_notes_waiting_for_an_answer(client, case, supervisor, practitioner):
    waiting = SupervisionNoteFactory(case=case, author=supervisor)
    answered = SupervisionNoteFactory(case=case, author=supervisor)
    SupervisionNoteFactory(case=case, author=practitioner, author_role="practitioner", in_reply_to=answered)
    client.force_login(practitioner)

    response = client.get(reverse("supervision:practitioner", args=[practitioner.pk]))

    assertContains(response, f"#note-{waiting.pk}")
    assertNotContains(response, f"#note-{answered.pk}")


@pytest.mark.parametrize("threads", [1, 6])
def test_the_case_page_costs_the_same_however_many_notes(
    client, django_assert_max_num_queries, case, supervisor, practitioner, threads
):
    for _ in range(threads):
        note = SupervisionNoteFactory(case=case, author=supervisor)
        SupervisionNoteFactory(case=case, author=practitioner, author_role="practitioner", in_reply_to=note)
    client.force_login(supervisor)

    # As for the practitioner (CASE_PAGE_QUERIES in cases/tests/test_goals_and_ratings.py): the
    # notes are one query, their authors joined, the answers threaded in Python.
    with django_assert_max_num_queries(CASE_PAGE_QUERIES):
        response = client.get(case.get_absolute_url())

    assert response.content.decode().count('class="card mb-3 supervision-thread') == threads
