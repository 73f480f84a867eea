"""Opening a case (client, child and case in one form) and editing it."""

import datetime

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from cases.models import Case, Child, Client

pytestmark = pytest.mark.django_db

CREATE_URL = reverse("cases:create")


def create_data(**overrides) -> dict:
    data = {
        "client-full_name": "Alex Morgan",
        "client-relationship_to_child": "mother",
        "client-email": "",
        "client-phone": "",
        "child-name": "Sam",
        "child-date_of_birth": "",
        "child-age_at_referral": "6",
        "child-school_or_setting": "Riverside Primary",
        "status": Case.Status.REFERRED,
        "setting": Case.Setting.HOME,
        "opened_on": "2026-09-01",
        "closed_on": "",
    }
    data.update(overrides)
    return data


def edit_data(case, **overrides) -> dict:
    """What the edit form posts back when nothing is changed.

    `opened_on` has a callable default, so Django renders its initial value in a
    hidden `initial-opened_on` input and compares against that to decide whether
    it changed; the browser posts it back, and so do we.
    """
    data = {
        "initial-opened_on": case.opened_on.isoformat(),
        "client-full_name": case.client.full_name,
        "client-relationship_to_child": case.client.relationship_to_child,
        "client-email": case.client.email,
        "client-phone": case.client.phone,
        "child-name": case.child.name,
        "child-date_of_birth": case.child.date_of_birth.isoformat() if case.child.date_of_birth else "",
        "child-age_at_referral": "" if case.child.age_at_referral is None else str(case.child.age_at_referral),
        "child-school_or_setting": case.child.school_or_setting,
        "status": case.status,
        "setting": case.setting,
        "opened_on": case.opened_on.isoformat(),
        "closed_on": case.closed_on.isoformat() if case.closed_on else "",
    }
    data.update(overrides)
    return data


def counts() -> tuple[int, int, int]:
    return Client.objects.count(), Child.objects.count(), Case.objects.count()


def edit_url(case) -> str:
    return reverse("cases:edit", kwargs={"reference": case.reference})


# Opening a case


def test_it_creates_the_client_child_and_case(client, practitioner):
    client.force_login(practitioner)

    client.post(CREATE_URL, create_data())

    case = Case.objects.get()
    assert case.client.full_name == "Alex Morgan"
    assert case.child.name == "Sam"
    assert case.practitioner == practitioner


def test_it_redirects_to_the_new_case(client, practitioner):
    client.force_login(practitioner)

    response = client.post(CREATE_URL, create_data())

    assert response.status_code == 302
    assert response.url == Case.objects.get().get_absolute_url()


def test_first_case_of_a_year_gets_number_0001(client, practitioner):
    client.force_login(practitioner)

    client.post(CREATE_URL, create_data(opened_on="2025-04-03"))

    assert Case.objects.get().reference == "VIG-2025-0001"


def test_second_case_of_the_year_gets_number_0002(client, practitioner):
    client.force_login(practitioner)

    client.post(CREATE_URL, create_data(opened_on="2025-04-03"))
    client.post(CREATE_URL, create_data(opened_on="2025-11-30", **{"child-name": "Ben"}))

    assert sorted(Case.objects.values_list("reference", flat=True)) == ["VIG-2025-0001", "VIG-2025-0002"]


def test_it_records_a_create_event_with_the_reference(client, practitioner):
    client.force_login(practitioner)

    client.post(CREATE_URL, create_data(opened_on="2025-04-03"))

    event = AuditEvent.objects.get(action=AuditEvent.Action.CREATE)
    assert (event.actor, event.case_reference, event.case) == (practitioner, "VIG-2025-0001", Case.objects.get())


def test_the_case_belongs_to_the_practitioners_team(client, practitioner, team):
    client.force_login(practitioner)

    client.post(CREATE_URL, create_data())

    assert Case.objects.get().team == team


def test_a_practitioner_cannot_open_a_case_for_someone_else(client, practitioner, other_practitioner):
    client.force_login(practitioner)

    client.post(CREATE_URL, create_data(practitioner=other_practitioner.pk))

    assert Case.objects.get().practitioner == practitioner


def test_a_user_without_a_team_is_told_they_are_not_in_a_team(client, practitioner):
    practitioner.team = None
    practitioner.save()
    client.force_login(practitioner)

    response = client.get(CREATE_URL)

    assert "You are not in a team yet" in response.content.decode()


def test_a_user_without_a_team_creates_nothing(client, practitioner):
    practitioner.team = None
    practitioner.save()
    client.force_login(practitioner)

    response = client.post(CREATE_URL, create_data())

    assert "You are not in a team yet" in response.content.decode()
    assert counts() == (0, 0, 0)


def test_an_administrator_must_choose_a_practitioner(client, administrator):
    client.force_login(administrator)

    response = client.post(CREATE_URL, create_data())

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert counts() == (0, 0, 0)


def test_an_administrators_case_goes_to_the_chosen_practitioners_team(
    client, administrator, other_practitioner, other_team
):
    client.force_login(administrator)

    client.post(CREATE_URL, create_data(practitioner=other_practitioner.pk))

    case = Case.objects.get()
    assert (case.practitioner, case.team) == (other_practitioner, other_team)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"client-full_name": ""}, "This field is required."),
        ({"status": Case.Status.CLOSED, "closed_on": ""}, "A closed case needs the date it closed."),
        (
            {"status": Case.Status.CLOSED, "opened_on": "2026-09-01", "closed_on": "2026-08-31"},
            "The case cannot close before it opened.",
        ),
        ({"child-date_of_birth": "2100-01-01"}, "The date of birth cannot be in the future."),
        ({"closed_on": "2026-10-01"}, "Only a closed case has a closing date"),
    ],
    ids=["missing client name", "closed without date", "closed before opened", "future birth date", "open with date"],
)
def test_invalid_input_is_shown_again_with_a_message_and_nothing_is_created(client, practitioner, overrides, message):
    client.force_login(practitioner)

    response = client.post(CREATE_URL, create_data(**overrides))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert counts() == (0, 0, 0)


def test_invalid_input_keeps_what_was_typed(client, practitioner):
    client.force_login(practitioner)

    response = client.post(CREATE_URL, create_data(**{"client-full_name": "", "child-name": "Ollie"}))

    assert 'value="Ollie"' in response.content.decode()


# Editing a case


def test_edit_saves_the_changes(client, case, practitioner):
    client.force_login(practitioner)

    client.post(edit_url(case), edit_data(case, **{"client-phone": "07700 900123", "setting": Case.Setting.SCHOOL}))

    case.refresh_from_db()
    case.client.refresh_from_db()
    assert (case.client.phone, case.setting) == ("07700 900123", Case.Setting.SCHOOL)


def test_edit_keeps_the_reference(client, case, practitioner):
    reference = case.reference
    client.force_login(practitioner)

    client.post(edit_url(case), edit_data(case, opened_on="2025-01-15"))

    case.refresh_from_db()
    assert (case.reference, case.opened_on) == (reference, datetime.date(2025, 1, 15))


def test_edit_can_close_the_case_with_a_date(client, case, practitioner):
    client.force_login(practitioner)

    client.post(edit_url(case), edit_data(case, status=Case.Status.CLOSED, closed_on="2026-11-01"))

    case.refresh_from_db()
    assert (case.status, case.closed_on) == (Case.Status.CLOSED, datetime.date(2026, 11, 1))


def test_edit_refuses_to_close_without_a_date_and_changes_nothing(client, case, practitioner):
    client.force_login(practitioner)

    response = client.post(edit_url(case), edit_data(case, status=Case.Status.CLOSED, **{"client-phone": "0123"}))

    assert "A closed case needs the date it closed." in response.content.decode()
    case.refresh_from_db()
    case.client.refresh_from_db()
    assert (case.status, case.client.phone) == (Case.Status.ACTIVE, "")


def test_edit_audit_summary_names_the_changed_fields(client, case, practitioner):
    client.force_login(practitioner)

    client.post(edit_url(case), edit_data(case, **{"client-phone": "07700 900123", "setting": Case.Setting.SCHOOL}))

    event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE)
    assert event.summary == "changed: client.phone, case.setting"


def test_edit_audit_event_never_holds_the_new_values(client, case, practitioner):
    client.force_login(practitioner)

    client.post(edit_url(case), edit_data(case, **{"client-phone": "07700 900123"}))

    event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE)
    fields = [str(getattr(event, f.attname)) for f in AuditEvent._meta.concrete_fields]
    assert "client.phone" in event.summary
    assert not any("07700" in value for value in fields)


def test_edit_without_changes_is_recorded_as_no_changes(client, case, practitioner):
    client.force_login(practitioner)

    client.post(edit_url(case), edit_data(case))

    assert AuditEvent.objects.get(action=AuditEvent.Action.UPDATE).summary == "no changes"


def test_administrator_reassigning_the_practitioner_moves_the_case_to_their_team(
    client, case, administrator, other_practitioner, other_team
):
    client.force_login(administrator)

    client.post(edit_url(case), edit_data(case, practitioner=other_practitioner.pk))

    case.refresh_from_db()
    assert (case.practitioner, case.team) == (other_practitioner, other_team)


def test_administrator_reassignment_is_in_the_audit_summary(client, case, administrator, other_practitioner):
    client.force_login(administrator)

    client.post(edit_url(case), edit_data(case, practitioner=other_practitioner.pk))

    assert AuditEvent.objects.get(action=AuditEvent.Action.UPDATE).summary == "changed: case.practitioner"


def test_administrator_edit_form_starts_with_the_current_practitioner(client, case, administrator, practitioner):
    client.force_login(administrator)

    response = client.get(edit_url(case))

    assert response.context["case_form"]["practitioner"].value() == practitioner.pk


def test_practitioner_edit_form_has_no_practitioner_field(client, case, practitioner):
    client.force_login(practitioner)

    response = client.get(edit_url(case))

    assert "practitioner" not in response.context["case_form"].fields


def test_a_practitioner_cannot_hand_their_case_to_someone_else(client, case, practitioner, other_practitioner, team):
    client.force_login(practitioner)

    client.post(edit_url(case), edit_data(case, practitioner=other_practitioner.pk))

    case.refresh_from_db()
    assert (case.practitioner, case.team) == (practitioner, team)
