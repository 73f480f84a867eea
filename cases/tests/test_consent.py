"""Consent per purpose: recorded, withdrawn on the same row, given again as a new row."""

import datetime
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import Consent
from cases.tests.factories import ConsentFactory

pytestmark = pytest.mark.django_db

Purpose = Consent.Purpose


def create_url(case) -> str:
    return reverse("cases:consent_create", kwargs={"reference": case.reference})


def withdraw_url(consent) -> str:
    return reverse("cases:consent_withdraw", kwargs={"reference": consent.case.reference, "consent_id": consent.pk})


def give(client, case, purpose=Purpose.FILMING, given_on="2026-09-08"):
    return client.post(create_url(case), {"purpose": purpose, "given_by": "Both parents", "given_on": given_on})


def overview(case) -> dict:
    return {state.purpose: state.status for state in case.consent_overview()}


# Recording


def test_recording_consent_stores_it(client, case, practitioner):
    client.force_login(practitioner)

    give(client, case, Purpose.TRAINING)

    consent = case.consents.get()
    assert (consent.purpose, consent.given_by, consent.given_on) == (
        Purpose.TRAINING,
        "Both parents",
        datetime.date(2026, 9, 8),
    )
    assert (consent.recorded_by, consent.withdrawn_on) == (practitioner, None)


def test_recording_consent_redirects_to_the_case(client, case, practitioner):
    client.force_login(practitioner)

    response = give(client, case)

    assert response.url == case.get_absolute_url()


def test_the_form_suggests_the_client_as_the_one_giving_consent(client, case, practitioner):
    client.force_login(practitioner)

    response = client.get(create_url(case))

    assert response.context["form"]["given_by"].value() == case.client.full_name


def test_a_second_current_consent_for_the_same_purpose_is_refused(client, case, practitioner):
    ConsentFactory(case=case, purpose=Purpose.FILMING)
    client.force_login(practitioner)

    response = give(client, case, Purpose.FILMING)

    assert "Consent for this purpose is already recorded." in response.content.decode()
    assert case.consents.count() == 1


def test_consent_for_another_purpose_can_be_recorded_alongside(client, case, practitioner):
    ConsentFactory(case=case, purpose=Purpose.FILMING)
    client.force_login(practitioner)

    give(client, case, Purpose.SUPERVISION)

    assert set(case.consents.values_list("purpose", flat=True)) == {Purpose.FILMING, Purpose.SUPERVISION}


def test_a_current_consent_on_another_case_does_not_block_this_one(client, case, practitioner):
    ConsentFactory(purpose=Purpose.FILMING)
    client.force_login(practitioner)

    give(client, case, Purpose.FILMING)

    assert case.consents.count() == 1


# Withdrawing


def test_withdrawing_sets_the_date_on_the_same_row(client, case, practitioner):
    consent = ConsentFactory(case=case, given_on=datetime.date(2026, 9, 8))
    client.force_login(practitioner)

    client.post(withdraw_url(consent), {"withdrawn_on": "2026-10-01"})

    consent.refresh_from_db()
    assert consent.withdrawn_on == datetime.date(2026, 10, 1)
    assert case.consents.count() == 1


def test_withdrawal_is_shown_on_the_case_page(client, case, practitioner):
    consent = ConsentFactory(case=case, purpose=Purpose.FILMING, given_on=datetime.date(2026, 9, 8))
    client.force_login(practitioner)
    client.post(withdraw_url(consent), {"withdrawn_on": "2026-10-01"})

    content = client.get(case.get_absolute_url()).content.decode()

    assert "<strong>Consent withdrawn:</strong> Filming (on 1 Oct 2026)" in content


def test_withdrawal_is_recorded_in_the_audit_log(client, case, practitioner):
    consent = ConsentFactory(case=case, given_on=datetime.date(2026, 9, 8))
    client.force_login(practitioner)

    client.post(withdraw_url(consent), {"withdrawn_on": "2026-10-01"})

    event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE)
    assert (event.summary, event.object_label) == ("withdrawn", "Consent: Filming")


def test_withdrawal_before_consent_was_given_is_refused(client, case, practitioner):
    consent = ConsentFactory(case=case, given_on=datetime.date(2026, 9, 8))
    client.force_login(practitioner)

    response = client.post(withdraw_url(consent), {"withdrawn_on": "2026-09-07"})

    assert "Consent cannot be withdrawn before it was given." in response.content.decode()
    consent.refresh_from_db()
    assert consent.withdrawn_on is None


def test_withdrawal_on_the_day_it_was_given_is_allowed(client, case, practitioner):
    consent = ConsentFactory(case=case, given_on=datetime.date(2026, 9, 8))
    client.force_login(practitioner)

    client.post(withdraw_url(consent), {"withdrawn_on": "2026-09-08"})

    consent.refresh_from_db()
    assert consent.withdrawn_on == datetime.date(2026, 9, 8)


def test_a_consent_already_withdrawn_cannot_be_withdrawn_again(client, case, practitioner):
    consent = ConsentFactory(case=case, withdrawn_on=datetime.date(2026, 10, 1))
    client.force_login(practitioner)

    response = client.post(withdraw_url(consent), {"withdrawn_on": "2026-11-01"})

    assert response.status_code == 404
    consent.refresh_from_db()
    assert consent.withdrawn_on == datetime.date(2026, 10, 1)


def test_a_consent_of_another_case_cannot_be_withdrawn_under_this_case(client, case, practitioner):
    foreign = ConsentFactory(case__practitioner=practitioner, case__team=case.team)
    client.force_login(practitioner)

    response = client.post(
        reverse("cases:consent_withdraw", kwargs={"reference": case.reference, "consent_id": foreign.pk}),
        {"withdrawn_on": "2026-10-01"},
    )

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.withdrawn_on is None


def test_after_withdrawal_consent_can_be_given_again_as_a_new_row(client, case, practitioner):
    ConsentFactory(case=case, purpose=Purpose.FILMING, withdrawn_on=datetime.date(2026, 10, 1))
    client.force_login(practitioner)

    give(client, case, Purpose.FILMING, given_on="2026-11-01")

    assert case.consents.filter(purpose=Purpose.FILMING).count() == 2
    assert case.has_consent(Purpose.FILMING)


def test_consent_given_again_clears_the_withdrawn_warning(client, case, practitioner):
    ConsentFactory(case=case, purpose=Purpose.FILMING, withdrawn_on=datetime.date(2026, 10, 1))
    client.force_login(practitioner)
    give(client, case, Purpose.FILMING, given_on="2026-11-01")

    content = client.get(case.get_absolute_url()).content.decode()

    assert "Consent withdrawn:" not in content


# has_consent and consent_overview


def test_no_consent_recorded_means_no_consent(case):
    assert not case.has_consent(Purpose.FILMING)
    assert overview(case)[Purpose.FILMING] == "missing"


def test_a_current_consent_is_given_in_both(case):
    ConsentFactory(case=case, purpose=Purpose.FILMING)

    assert case.has_consent(Purpose.FILMING)
    assert overview(case)[Purpose.FILMING] == "given"


def test_a_withdrawn_consent_is_withdrawn_in_both(case):
    ConsentFactory(case=case, purpose=Purpose.FILMING, withdrawn_on=datetime.date(2026, 10, 1))

    assert not case.has_consent(Purpose.FILMING)
    assert overview(case)[Purpose.FILMING] == "withdrawn"


def test_consent_given_again_after_withdrawal_is_given_in_both(case):
    ConsentFactory(case=case, purpose=Purpose.FILMING, withdrawn_on=datetime.date(2026, 10, 1))
    ConsentFactory(case=case, purpose=Purpose.FILMING, given_on=datetime.date(2026, 11, 1))

    assert case.has_consent(Purpose.FILMING)
    assert overview(case)[Purpose.FILMING] == "given"


def test_an_older_withdrawn_consent_entered_after_the_current_one_does_not_hide_it(case):
    """History typed in late: the withdrawn row has the higher id, but the current consent still holds."""
    current = ConsentFactory(case=case, purpose=Purpose.FILMING, given_on=datetime.date(2026, 9, 8))
    ConsentFactory(
        case=case,
        purpose=Purpose.FILMING,
        given_on=datetime.date(2025, 1, 10),
        withdrawn_on=datetime.date(2025, 6, 1),
    )

    assert case.has_consent(Purpose.FILMING)
    [filming] = [state for state in case.consent_overview() if state.purpose == Purpose.FILMING]
    assert (filming.status, filming.record) == ("given", current)


def test_the_newest_of_two_withdrawn_consents_explains_the_withdrawal(case):
    ConsentFactory(case=case, purpose=Purpose.FILMING, withdrawn_on=datetime.date(2026, 9, 20))
    newest = ConsentFactory(case=case, purpose=Purpose.FILMING, withdrawn_on=datetime.date(2026, 10, 20))

    [filming] = [state for state in case.consent_overview() if state.purpose == Purpose.FILMING]

    assert filming.record == newest


def test_overview_has_one_line_per_purpose_in_order(case):
    ConsentFactory(case=case, purpose=Purpose.TRAINING)

    assert [state.purpose for state in case.consent_overview()] == list(Purpose.values)


def test_overview_and_has_consent_agree_for_every_purpose(case):
    ConsentFactory(case=case, purpose=Purpose.FILMING)
    ConsentFactory(case=case, purpose=Purpose.SUPERVISION, withdrawn_on=datetime.date(2026, 10, 1))
    ConsentFactory(case=case, purpose=Purpose.TRAINING, withdrawn_on=datetime.date(2026, 10, 1))
    ConsentFactory(case=case, purpose=Purpose.TRAINING)

    for state in case.consent_overview():
        assert state.is_given == case.has_consent(state.purpose), state.purpose


def test_missing_consents_are_shown_as_not_recorded(client, case, practitioner):
    ConsentFactory(case=case, purpose=Purpose.FILMING)
    client.force_login(practitioner)

    content = client.get(case.get_absolute_url()).content.decode()

    missing = re.findall(r'<span class="consent-missing">Not recorded:</span>\s*([^\n<]+)', content)
    expected = [html.escape(label) for purpose, label in Purpose.choices if purpose != Purpose.FILMING]
    assert [label.strip() for label in missing] == expected


def test_a_withdrawal_cannot_be_dated_in_the_future(client, practitioner, case):
    consent = ConsentFactory(case=case, purpose=Consent.Purpose.TRAINING)
    client.force_login(practitioner)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(
        reverse("cases:consent_withdraw", args=[case.reference, consent.pk]), {"withdrawn_on": tomorrow.isoformat()}
    )
    assert response.status_code == 200
    consent.refresh_from_db()
    assert consent.withdrawn_on is None
