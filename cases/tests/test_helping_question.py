"""The Helping Question: a new wording adds a row, so the history of the question stays."""

import datetime

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from cases.models import HelpingQuestion
from cases.tests.factories import HelpingQuestionFactory

pytestmark = pytest.mark.django_db

FIRST = "How can I help Sam to talk to me about his day?"
SECOND = "How can I help Sam to tell me when he is worried?"


def url(case) -> str:
    return reverse("cases:helping_question", kwargs={"reference": case.reference})


def save_question(client, case, text, agreed_on="2026-10-01"):
    return client.post(url(case), {"text": text, "agreed_on": agreed_on})


def test_saving_a_question_stores_it_with_who_recorded_it(client, case, practitioner):
    client.force_login(practitioner)

    save_question(client, case, FIRST)

    question = HelpingQuestion.objects.get()
    assert (question.case, question.text, question.recorded_by) == (case, FIRST, practitioner)
    assert question.agreed_on == datetime.date(2026, 10, 1)


def test_saving_redirects_to_the_case(client, case, practitioner):
    client.force_login(practitioner)

    response = save_question(client, case, FIRST)

    assert response.url == case.get_absolute_url()


def test_a_new_wording_keeps_the_old_one(client, case, practitioner):
    client.force_login(practitioner)

    save_question(client, case, FIRST, agreed_on="2026-09-08")
    save_question(client, case, SECOND, agreed_on="2026-10-20")

    assert set(case.helping_questions.values_list("text", flat=True)) == {FIRST, SECOND}


def test_history_shows_both_wordings_newest_first(client, case, practitioner):
    client.force_login(practitioner)
    save_question(client, case, FIRST, agreed_on="2026-09-08")
    save_question(client, case, SECOND, agreed_on="2026-10-20")

    content = client.get(url(case)).content.decode()

    assert content.index(SECOND) < content.index(FIRST)


def test_two_wordings_agreed_on_the_same_day_show_the_later_one_first(client, case, practitioner):
    client.force_login(practitioner)
    save_question(client, case, FIRST, agreed_on="2026-10-20")
    save_question(client, case, SECOND, agreed_on="2026-10-20")

    response = client.get(url(case))

    assert [q.text for q in response.context["history"]] == [SECOND, FIRST]


def test_case_page_shows_the_newest_wording(client, case, practitioner):
    client.force_login(practitioner)
    save_question(client, case, FIRST, agreed_on="2026-09-08")
    save_question(client, case, SECOND, agreed_on="2026-10-20")

    content = client.get(case.get_absolute_url()).content.decode()

    assert SECOND in content
    assert FIRST not in content
    assert "revised 1 time" in content


def test_the_form_starts_from_the_current_wording(client, case, practitioner):
    HelpingQuestionFactory(case=case, text=FIRST)
    client.force_login(practitioner)

    response = client.get(url(case))

    assert response.context["form"]["text"].value() == FIRST


def test_an_empty_question_is_refused_and_nothing_is_stored(client, case, practitioner):
    client.force_login(practitioner)

    response = save_question(client, case, "")

    assert "This field is required." in response.content.decode()
    assert not HelpingQuestion.objects.exists()


def test_the_audit_event_says_agreed_for_the_first_wording(client, case, practitioner):
    client.force_login(practitioner)

    save_question(client, case, FIRST)

    assert AuditEvent.objects.get(action=AuditEvent.Action.CREATE).summary == "agreed"


def test_the_audit_event_says_revised_for_a_new_wording(client, case, practitioner):
    HelpingQuestionFactory(case=case, text=FIRST)
    client.force_login(practitioner)

    save_question(client, case, SECOND)

    assert AuditEvent.objects.get(action=AuditEvent.Action.CREATE).summary == "revised"


def test_supervisor_sees_the_history(client, case, supervisor):
    HelpingQuestionFactory(case=case, text=FIRST)
    client.force_login(supervisor)

    response = client.get(url(case))

    assert FIRST in response.content.decode()


def test_supervisor_gets_no_form(client, case, supervisor):
    HelpingQuestionFactory(case=case, text=FIRST)
    client.force_login(supervisor)

    content = client.get(url(case)).content.decode()

    assert 'name="text"' not in content
    assert "Save Helping Question" not in content
