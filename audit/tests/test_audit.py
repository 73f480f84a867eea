"""The audit log: who looked at or changed which case, when and from where, and who logged in.

It names records and fields, never the words typed into notes, and it outlives
the case and the user it is about.
"""

import pytest
from django.urls import reverse

from accounts.tests.factories import PASSWORD, UserFactory
from audit.models import AuditEvent
from cases.models import Consent
from cases.tests.factories import CaseFactory, ConsentFactory, GoalFactory

pytestmark = pytest.mark.django_db

Action = AuditEvent.Action
LIST_URL = reverse("audit:list")
IP = "203.0.113.7"

# Session and user (2), count and page of events (2), the session pushed on
# (savepoint, update, release). The same for 3 events as for 30.
LIST_QUERIES = 7


def every_value() -> list[str]:
    """Every field of every audit event, as text."""
    return [str(getattr(e, f.attname)) for e in AuditEvent.objects.all() for f in AuditEvent._meta.concrete_fields]


def listed(response) -> list[AuditEvent]:
    return list(response.context["page"].object_list)


def event_on(case, action=Action.UPDATE, **kwargs) -> AuditEvent:
    return AuditEvent.objects.create(action=action, case=case, case_reference=case.reference, **kwargs)


# Viewing a case


# Every case page a practitioner opens, and the ids it needs besides the reference.
CASE_PAGES = {
    "cases:detail": [],
    "cases:edit": [],
    "cases:helping_question": [],
    "cases:goal_create": [],
    "cases:goal_edit": ["goal_id"],
    "cases:goal_delete": ["goal_id"],
    "cases:ratings": [],
    "cases:descriptions": [],
    "cases:consent_create": [],
    "cases:consent_withdraw": ["consent_id"],
}


@pytest.mark.parametrize("name", sorted(CASE_PAGES))
def test_every_get_of_a_case_page_records_a_view(client, case, practitioner, name):
    ids = {"goal_id": GoalFactory(case=case).pk, "consent_id": ConsentFactory(case=case).pk}
    url = reverse(name, kwargs={"reference": case.reference} | {key: ids[key] for key in CASE_PAGES[name]})
    client.force_login(practitioner)

    client.get(url, REMOTE_ADDR=IP)

    event = AuditEvent.objects.get(action=Action.VIEW)
    assert (event.actor, event.actor_name, event.case, event.case_reference, event.ip_address) == (
        practitioner,
        practitioner.username,
        case,
        case.reference,
        IP,
    )


def test_the_case_audit_page_records_a_view_by_the_supervisor(client, case, supervisor):
    client.force_login(supervisor)

    client.get(reverse("cases:audit", kwargs={"reference": case.reference}), REMOTE_ADDR=IP)

    event = AuditEvent.objects.get(action=Action.VIEW)
    assert (event.actor, event.case, event.ip_address) == (supervisor, case, IP)


def test_each_visit_is_a_separate_view_event(client, case, supervisor):
    client.force_login(supervisor)

    client.get(case.get_absolute_url())
    client.get(case.get_absolute_url())

    assert AuditEvent.objects.filter(action=Action.VIEW, actor=supervisor).count() == 2


def test_a_case_the_user_may_not_see_is_not_logged_as_viewed(client, case, other_practitioner):
    client.force_login(other_practitioner)

    client.get(case.get_absolute_url())

    assert not AuditEvent.objects.filter(action=Action.VIEW).exists()


def test_a_post_that_changes_the_case_is_not_also_logged_as_a_view(client, case, practitioner):
    client.force_login(practitioner)

    client.post(reverse("cases:goal_create", kwargs={"reference": case.reference}), {"description": "Bedtime"})

    assert list(AuditEvent.objects.exclude(action=Action.LOGIN).values_list("action", flat=True)) == [Action.CREATE]


def test_a_refused_post_is_not_logged_as_a_view(client, case, practitioner):
    client.force_login(practitioner)

    client.post(reverse("cases:goal_create", kwargs={"reference": case.reference}), {"description": ""})

    assert not AuditEvent.objects.exclude(action=Action.LOGIN).exists()


def test_a_write_event_carries_the_ip_address(client, case, practitioner):
    client.force_login(practitioner)

    client.post(
        reverse("cases:goal_create", kwargs={"reference": case.reference}), {"description": "Bedtime"}, REMOTE_ADDR=IP
    )

    assert AuditEvent.objects.get(action=Action.CREATE).ip_address == IP


def test_a_forwarded_for_header_from_the_browser_is_not_trusted(client, case, practitioner):
    client.force_login(practitioner)

    client.get(case.get_absolute_url(), REMOTE_ADDR=IP, HTTP_X_FORWARDED_FOR="198.51.100.1")

    assert AuditEvent.objects.get(action=Action.VIEW).ip_address == IP


# Logging in and out


def test_logging_in_is_recorded_with_the_user_and_address(client, practitioner):
    client.post(reverse("login"), {"username": practitioner.username, "password": PASSWORD}, REMOTE_ADDR=IP)

    event = AuditEvent.objects.get(action=Action.LOGIN)
    assert (event.actor, event.actor_name, event.ip_address) == (practitioner, practitioner.username, IP)


def test_logging_out_is_recorded(client, practitioner):
    client.force_login(practitioner)

    client.post(reverse("logout"), REMOTE_ADDR=IP)

    event = AuditEvent.objects.get(action=Action.LOGOUT)
    assert (event.actor, event.ip_address) == (practitioner, IP)


def test_a_failed_login_is_recorded_with_the_address(client, practitioner):
    response = client.post(reverse("login"), {"username": practitioner.username, "password": "wrong"}, REMOTE_ADDR=IP)

    assert response.status_code == 200
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert (event.actor, event.ip_address) == (None, IP)


def test_a_failed_login_keeps_neither_the_typed_user_name_nor_the_password(client, practitioner):
    """People type their password into the user name box: neither may end up in the log."""
    client.post(
        reverse("login"),
        {"username": "Tr0ub4dor-typed-in-the-wrong-box", "password": "correct-horse-battery"},
        REMOTE_ADDR=IP,
    )

    assert AuditEvent.objects.filter(action=Action.LOGIN_FAILED).count() == 1
    values = every_value()
    assert not any("Tr0ub4dor" in value for value in values)
    assert not any("correct-horse" in value for value in values)


def test_a_failed_login_of_a_real_user_does_not_name_them(client, practitioner):
    client.post(reverse("login"), {"username": practitioner.username, "password": "wrong"})

    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert (event.actor_name, event.summary, event.object_label) == ("", "", "")


# The audit log pages


def test_administrator_sees_every_event(client, case, other_practitioner, administrator):
    other_case = CaseFactory(practitioner=other_practitioner)
    mine, theirs = event_on(case), event_on(other_case)
    login = AuditEvent.objects.create(action=Action.LOGIN, actor=other_practitioner)
    client.force_login(administrator)

    response = client.get(LIST_URL)

    assert {mine, theirs, login} <= set(listed(response))


def test_supervisor_sees_the_events_of_their_teams_cases(client, case, supervisor):
    event = event_on(case)
    client.force_login(supervisor)

    response = client.get(LIST_URL)

    assert event in listed(response)


def test_supervisor_does_not_see_events_of_another_teams_cases(client, supervisor, other_practitioner):
    event_on(CaseFactory(practitioner=other_practitioner))
    client.force_login(supervisor)

    response = client.get(LIST_URL)

    assert listed(response) == []


def test_supervisor_does_not_see_other_peoples_logins(client, supervisor, practitioner):
    AuditEvent.objects.create(action=Action.LOGIN, actor=practitioner, actor_name=practitioner.username)
    client.force_login(supervisor)

    response = client.get(LIST_URL)

    assert listed(response) == []


def test_the_list_is_filtered_by_case_reference_ignoring_case(client, case, administrator):
    wanted = event_on(case)
    event_on(CaseFactory())
    client.force_login(administrator)

    response = client.get(LIST_URL, {"case": case.reference.lower()})

    assert listed(response) == [wanted]


def test_the_list_is_filtered_by_action(client, case, administrator):
    deleted = event_on(case, action=Action.DELETE)
    event_on(case, action=Action.UPDATE)
    client.force_login(administrator)

    response = client.get(LIST_URL, {"action": Action.DELETE})

    assert listed(response) == [deleted]


def test_an_unknown_action_filter_is_ignored(client, case, administrator):
    event = event_on(case)
    client.force_login(administrator)

    response = client.get(LIST_URL, {"action": "nonsense"})

    assert event in listed(response)


def test_newest_events_come_first(client, case, administrator):
    first, second = event_on(case), event_on(case)
    client.force_login(administrator)

    response = client.get(LIST_URL, {"case": case.reference})

    assert listed(response) == [second, first]


def test_the_case_audit_page_lists_that_cases_events(client, case, supervisor, team):
    event = event_on(case, action=Action.DELETE, object_label="Goal 7")
    event_on(CaseFactory(practitioner=UserFactory(team=team)), object_label="Goal 8")
    client.force_login(supervisor)

    response = client.get(reverse("cases:audit", kwargs={"reference": case.reference}))

    assert event in listed(response)
    assert all(e.case_id == case.pk for e in listed(response))
    assert "Goal 7" in response.content.decode()
    assert "Goal 8" not in response.content.decode()


@pytest.mark.parametrize("number_of_events", [3, 30])
def test_query_count_does_not_grow_with_the_number_of_events(
    client, django_assert_max_num_queries, case, team, supervisor, number_of_events
):
    for _ in range(number_of_events):
        actor = UserFactory(team=team)
        event_on(case, actor=actor, actor_name=actor.username)
    client.force_login(supervisor)

    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(LIST_URL)

    assert len(listed(response)) == number_of_events


# What the log keeps, and what it never holds


def test_an_event_outlives_its_case(client, case, practitioner):
    client.force_login(practitioner)
    client.get(case.get_absolute_url())
    reference = case.reference

    case.delete()

    event = AuditEvent.objects.get(action=Action.VIEW)
    assert (event.case, event.case_reference, event.actor_name) == (None, reference, practitioner.username)


def test_an_event_outlives_its_actor(client, case, supervisor):
    client.force_login(supervisor)
    client.get(case.get_absolute_url())

    supervisor.delete()

    event = AuditEvent.objects.get(action=Action.VIEW)
    assert (event.actor, event.actor_name, event.case) == (None, "supervisor", case)


def test_events_of_a_deleted_case_are_still_listed_for_the_administrator(client, case, administrator):
    event = event_on(case)
    reference = case.reference
    case.delete()
    client.force_login(administrator)

    response = client.get(LIST_URL, {"case": reference})

    assert listed(response) == [event]
    assert reference in response.content.decode()


def test_the_helping_question_text_never_reaches_the_log(client, case, practitioner, supervisor):
    words = "How can I help Sam to feel safe at the school gate?"
    revised = "How can I help Sam to say goodbye at the school gate?"
    client.force_login(practitioner)
    url = reverse("cases:helping_question", kwargs={"reference": case.reference})
    client.post(url, {"text": words, "agreed_on": "2026-09-08"})
    client.post(url, {"text": revised, "agreed_on": "2026-10-08"})
    client.get(url)
    client.force_login(supervisor)
    client.get(url)

    assert AuditEvent.objects.filter(action=Action.CREATE).count() == 2
    assert not any("school gate" in value for value in every_value())


def test_the_helping_question_is_named_by_its_date_in_the_log(client, case, practitioner):
    client.force_login(practitioner)

    client.post(
        reverse("cases:helping_question", kwargs={"reference": case.reference}),
        {"text": "How can I help Sam?", "agreed_on": "2026-09-08"},
    )

    assert AuditEvent.objects.get(action=Action.CREATE).object_label == "Helping Question of 08/09/2026"


def test_consent_events_name_the_purpose_but_not_who_gave_it(client, case, practitioner):
    client.force_login(practitioner)

    client.post(
        reverse("cases:consent_create", kwargs={"reference": case.reference}),
        {"purpose": Consent.Purpose.TRAINING, "given_by": "Grandmother Ruth", "given_on": "2026-09-08"},
    )

    event = AuditEvent.objects.get(action=Action.CREATE)
    assert event.object_label == "Consent: Clips shown at training events or presentations"
    assert not any("Ruth" in value for value in every_value())
