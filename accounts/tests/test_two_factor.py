"""Two-factor authentication: setting up an app, giving a code at log-in, throttling, and who must."""

import re
import time

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tests.factories import PASSWORD, UserFactory
from audit.models import AuditEvent
from vig.testing.two_factor import code_for, device_for, force_login_unverified

pytestmark = pytest.mark.django_db

ENROL = reverse("accounts:two_factor_enrol")
VERIFY = reverse("accounts:two_factor_verify")
Action = AuditEvent.Action


def log_in(client, user):
    return client.post(reverse("login"), {"username": user.username, "password": PASSWORD})


def wrong_code(device):
    right = code_for(device)
    return f"{(int(right) + 1) % 1_000_000:06d}"


# Who must give a code


def test_a_supervisor_is_asked_to_set_up_an_app_right_after_the_password(client, supervisor):
    log_in(client, supervisor)
    response = client.get(reverse("cases:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(ENROL)


def test_a_practitioner_goes_straight_to_the_caseload(client, practitioner):
    log_in(client, practitioner)
    assert client.get(reverse("cases:list")).status_code == 200


def test_a_practitioner_must_give_a_code_when_the_service_requires_it(client, practitioner, settings):
    settings.VIG_REQUIRE_2FA_FOR_ALL = True
    log_in(client, practitioner)
    assert client.get(reverse("cases:list"))["Location"].startswith(ENROL)


def test_a_practitioner_who_turned_it_on_must_give_a_code_at_each_log_in(client, practitioner):
    device_for(practitioner)
    log_in(client, practitioner)
    assert client.get(reverse("cases:list"))["Location"].startswith(VERIFY)


# Setting up an app


def test_the_set_up_page_shows_a_qr_code_and_the_key_to_type(client, supervisor):
    force_login_unverified(client, supervisor)
    response = client.get(ENROL)
    device = TOTPDevice.objects.get(user=supervisor, confirmed=False)
    html = response.content.decode()
    assert "<svg" in html and "QR code for your authenticator app" in html
    secret = re.search(r'id="otp-secret">([A-Z2-7 ]+)<', html).group(1)
    assert len(secret.replace(" ", "")) == 32
    assert client.get(ENROL).content.decode().count(secret) == 1  # the same key on a reload
    assert TOTPDevice.objects.filter(user=supervisor).count() == 1
    assert device.confirmed is False


def test_a_right_code_turns_it_on_and_verifies_the_session(client, supervisor):
    force_login_unverified(client, supervisor)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=supervisor)
    response = client.post(ENROL, {"code": code_for(device), "next": "/cases/"})
    assert response.status_code == 200
    assert 'href="/cases/"' in response.content.decode()  # after the recovery codes, on to the page asked for
    device.refresh_from_db()
    assert device.confirmed
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get(reverse("cases:list")).status_code == 200
    assert AuditEvent.objects.filter(action=Action.TWO_FACTOR_ENROL, actor=supervisor).count() == 1


def test_turning_it_on_ends_the_user_s_other_sessions(client, practitioner):
    earlier = client.__class__()
    earlier.force_login(practitioner)
    client.force_login(practitioner)
    client.get(ENROL)
    client.post(ENROL, {"code": code_for(TOTPDevice.objects.get(user=practitioner))})
    assert client.get(reverse("cases:list")).status_code == 200
    assert earlier.get(reverse("cases:list"))["Location"].startswith(reverse("login"))


def test_a_wrong_code_does_not_turn_it_on(client, supervisor):
    force_login_unverified(client, supervisor)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=supervisor)
    response = client.post(ENROL, {"code": wrong_code(device)})
    assert response.status_code == 400
    assert "That code is not right" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert AuditEvent.objects.filter(action=Action.TWO_FACTOR_FAILED, actor=supervisor).count() == 1


def test_someone_with_only_the_password_cannot_set_up_a_second_app(client, supervisor):
    """Otherwise a stolen password would be enough to add the thief's own phone."""
    device_for(supervisor)
    force_login_unverified(client, supervisor)
    response = client.get(ENROL)
    assert response["Location"] == VERIFY
    assert TOTPDevice.objects.filter(user=supervisor).count() == 1


# Giving a code at log-in


def test_a_right_code_opens_the_page_asked_for(client, supervisor, case):
    device = device_for(supervisor)
    force_login_unverified(client, supervisor)
    response = client.post(VERIFY, {"code": code_for(device), "next": case.get_absolute_url()})
    assert response["Location"] == case.get_absolute_url()
    assert client.get(case.get_absolute_url()).status_code == 200
    assert AuditEvent.objects.filter(action=Action.TWO_FACTOR_VERIFY, actor=supervisor).count() == 1


def test_the_session_key_changes_when_the_code_is_given(client, supervisor):
    device = device_for(supervisor)
    force_login_unverified(client, supervisor)
    before = client.session.session_key
    client.post(VERIFY, {"code": code_for(device)})
    assert client.session.session_key != before


def test_a_wrong_code_is_refused_with_a_message_and_recorded(client, supervisor):
    device = device_for(supervisor)
    force_login_unverified(client, supervisor)
    response = client.post(VERIFY, {"code": wrong_code(device)})
    assert response.status_code == 400
    assert "That code is not right" in response.content.decode()
    assert DEVICE_ID_SESSION_KEY not in client.session
    event = AuditEvent.objects.get(action=Action.TWO_FACTOR_FAILED)
    assert event.actor == supervisor
    assert wrong_code(device) not in event.summary


def test_a_code_cannot_be_used_twice(client, supervisor):
    device = device_for(supervisor)
    code = code_for(device)
    force_login_unverified(client, supervisor)
    client.post(VERIFY, {"code": code})
    other = client.__class__()
    force_login_unverified(other, supervisor)
    assert other.post(VERIFY, {"code": code}).status_code == 400


def test_after_a_wrong_code_the_next_try_must_wait(client, supervisor):
    device = device_for(supervisor)
    force_login_unverified(client, supervisor)
    with time_machine.travel(time.time(), tick=False):  # the next try comes within the wait
        client.post(VERIFY, {"code": wrong_code(device)})
        response = client.post(VERIFY, {"code": code_for(device)})
    assert response.status_code == 400
    assert "1 wrong code in a row: wait 1 seconds" in response.content.decode()
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_each_wrong_code_doubles_the_wait(client, supervisor):
    device = device_for(supervisor)
    force_login_unverified(client, supervisor)
    with time_machine.travel(time.time(), tick=False) as clock:
        for wait in (1, 2):
            client.post(VERIFY, {"code": wrong_code(device)})
            clock.shift(wait)
        client.post(VERIFY, {"code": wrong_code(device)})
        clock.shift(3)
        refused = client.post(VERIFY, {"code": code_for(device)})
        clock.shift(1)
        accepted = client.post(VERIFY, {"code": code_for(device)})
    assert "3 wrong codes in a row: wait 1 seconds" in refused.content.decode()
    assert accepted.status_code == 302


@pytest.mark.parametrize("code", ["", "12345", "abcdef", "1234567", "١٢٣٤٥٦", "12\x0034"])
def test_anything_but_six_digits_is_refused_with_a_message(client, supervisor, code):
    device_for(supervisor)
    force_login_unverified(client, supervisor)
    response = client.post(VERIFY, {"code": code})
    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
def test_the_page_after_the_code_is_never_another_site(client, supervisor, target):
    device = device_for(supervisor)
    force_login_unverified(client, supervisor)
    response = client.post(VERIFY, {"code": code_for(device), "next": target})
    assert response["Location"] == reverse("home")


def test_the_whole_log_in_takes_password_then_code(client, supervisor):
    device = device_for(supervisor)
    response = log_in(client, supervisor)
    response = client.get(response["Location"])
    assert response["Location"].startswith(VERIFY)
    client.post(VERIFY, {"code": code_for(device), "next": "/"})
    assert client.get(reverse("cases:list")).status_code == 200


# Recovery codes


def recovery_codes_from(response):
    return re.findall(r'<code class="fs-5">([a-z2-7]{8})</code>', response.content.decode())


def enrolled_with_codes(client, user):
    force_login_unverified(client, user)
    client.get(ENROL)
    response = client.post(ENROL, {"code": code_for(TOTPDevice.objects.get(user=user))})
    return recovery_codes_from(response)


def test_setting_up_an_app_shows_ten_recovery_codes_once(client, supervisor):
    codes = enrolled_with_codes(client, supervisor)
    assert len(set(codes)) == 10
    assert not recovery_codes_from(client.get(reverse("accounts:account")))


def test_a_recovery_code_logs_in_once_instead_of_the_app(client, supervisor):
    codes = enrolled_with_codes(client, supervisor)
    first, second = client.__class__(), client.__class__()
    force_login_unverified(first, supervisor)
    response = first.post(VERIFY, {"code": codes[0].upper()[:4] + "-" + codes[0][4:], "next": "/cases/"})
    assert response["Location"] == "/cases/"
    assert first.get("/cases/").status_code == 200
    force_login_unverified(second, supervisor)
    assert second.post(VERIFY, {"code": codes[0]}).status_code == 400
    assert AuditEvent.objects.filter(action=Action.TWO_FACTOR_VERIFY, summary="recovery code").count() == 1


def test_using_a_recovery_code_says_how_many_are_left(client, supervisor):
    codes = enrolled_with_codes(client, supervisor)
    other = client.__class__()
    force_login_unverified(other, supervisor)
    response = other.post(VERIFY, {"code": codes[3]}, follow=True)
    assert "You used a recovery code; 9 left." in response.content.decode()


def test_new_recovery_codes_replace_the_old_ones(client, supervisor):
    old = enrolled_with_codes(client, supervisor)
    new = recovery_codes_from(client.post(reverse("accounts:recovery_codes")))
    assert len(new) == 10 and not set(new) & set(old)
    other = client.__class__()
    force_login_unverified(other, supervisor)
    with time_machine.travel(time.time(), tick=False) as clock:
        assert other.post(VERIFY, {"code": old[1]}).status_code == 400
        clock.shift(1)  # the wait after a wrong code
        assert other.post(VERIFY, {"code": new[1]}).status_code == 302


def test_someone_without_an_app_has_no_recovery_codes_to_make(client, practitioner):
    client.force_login(practitioner)
    response = client.post(reverse("accounts:recovery_codes"))
    assert response["Location"] == reverse("accounts:account")


# The account page


def test_a_practitioner_turns_it_on_from_their_account_page(client, practitioner):
    client.force_login(practitioner)
    assert ENROL in client.get(reverse("accounts:account")).content.decode()
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=practitioner)
    client.post(ENROL, {"code": code_for(device)})
    assert '<span class="badge text-bg-success">On</span>' in client.get(reverse("accounts:account")).content.decode()


def test_a_practitioner_may_turn_it_off_with_a_code(client, practitioner):
    device = device_for(practitioner)
    client.force_login(practitioner)
    client.post(reverse("accounts:two_factor_remove"), {"code": code_for(device)})
    assert not TOTPDevice.objects.filter(user=practitioner).exists()
    assert client.get(reverse("cases:list")).status_code == 200
    assert AuditEvent.objects.filter(action=Action.TWO_FACTOR_REMOVE).count() == 1


def test_turning_it_off_keeps_this_session_and_ends_the_others(client, practitioner):
    device = device_for(practitioner)
    other = client.__class__()
    other.force_login(practitioner)
    client.force_login(practitioner)
    client.post(reverse("accounts:two_factor_remove"), {"code": code_for(device)})
    assert client.get(reverse("cases:list")).status_code == 200
    assert other.get(reverse("cases:list")).status_code == 302


def test_turning_it_off_needs_a_right_code(client, practitioner):
    device = device_for(practitioner)
    client.force_login(practitioner)
    client.post(reverse("accounts:two_factor_remove"), {"code": wrong_code(device)})
    assert TOTPDevice.objects.filter(user=practitioner).exists()


def test_a_supervisor_cannot_turn_it_off(client, supervisor):
    device = device_for(supervisor)
    client.force_login(supervisor)
    client.post(reverse("accounts:two_factor_remove"), {"code": code_for(device)})
    assert TOTPDevice.objects.filter(user=supervisor, confirmed=True).exists()


def test_removing_a_lost_app_ends_the_sessions_it_verified(client, supervisor):
    client.force_login(supervisor)
    TOTPDevice.objects.filter(user=supervisor).delete()
    assert client.get(reverse("cases:list"))["Location"].startswith(reverse("login"))


def test_after_a_lost_app_is_removed_the_next_log_in_sets_up_a_new_one(client, supervisor):
    device_for(supervisor).delete()
    log_in(client, supervisor)
    assert client.get(reverse("cases:list"))["Location"].startswith(ENROL)


def test_a_verified_page_costs_no_query_for_the_second_factor(client, supervisor):
    """The session's record of its second factor is trusted, not checked against the device on each request."""
    client.force_login(supervisor)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("cases:list")).status_code == 200
    assert not [q["sql"] for q in queries if "otp_" in q["sql"]]


def test_the_test_log_in_verifies_only_those_who_need_it():
    """force_login (vig/testing/two_factor.py) leaves practitioners without an app, as they are by default."""
    practitioner = UserFactory()
    from django.test import Client

    Client().force_login(practitioner)
    assert not TOTPDevice.objects.filter(user=practitioner).exists()
