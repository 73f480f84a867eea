"""Disabling a user ends every session they hold, on its next request, without scanning the session table."""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.models import User
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def logged_in(user):
    client = Client()
    client.force_login(user)
    assert client.get(reverse("cases:list")).status_code == 200
    return client


def test_a_disabled_user_is_logged_out_on_their_next_request(practitioner):
    client = logged_in(practitioner)
    services.disable_user(user=practitioner)
    response = client.get(reverse("cases:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_every_session_of_the_disabled_user_ends_and_is_deleted(practitioner, supervisor):
    phone, laptop, colleague = logged_in(practitioner), logged_in(practitioner), logged_in(supervisor)
    keys = [phone.session.session_key, laptop.session.session_key]
    services.disable_user(user=practitioner)
    for client in (phone, laptop):
        client.get(reverse("cases:list"))
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert colleague.get(reverse("cases:list")).status_code == 200


def test_enabling_the_user_again_does_not_bring_old_sessions_back(practitioner):
    client = logged_in(practitioner)
    services.disable_user(user=practitioner)
    User.objects.filter(pk=practitioner.pk).update(is_active=True)
    assert client.get(reverse("cases:list")).status_code == 302


def test_a_user_disabled_behind_the_app_s_back_is_logged_out_too(practitioner):
    client = logged_in(practitioner)
    User.objects.filter(pk=practitioner.pk).update(is_active=False)
    assert client.get(reverse("cases:list")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_disabling_is_recorded_without_personal_details(practitioner, administrator):
    services.disable_user(user=practitioner)
    event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE, object_type="accounts.user")
    assert event.summary == "disabled; sessions ended"


def test_disabling_in_the_django_admin_ends_the_sessions(practitioner, administrator):
    victim = logged_in(practitioner)
    admin = Client()
    admin.force_login(administrator)
    url = reverse("admin:accounts_user_change", args=[practitioner.pk])
    form = admin.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data.update({"role": practitioner.role, "team": practitioner.team_id, "is_active": ""})
    data["last_login_0"], data["last_login_1"] = "", ""
    data["date_joined_0"], data["date_joined_1"] = "25/11/2026", "09:00:00"
    response = admin.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    practitioner.refresh_from_db()
    assert not practitioner.is_active
    assert practitioner.session_generation == 1
    assert victim.get(reverse("cases:list")).status_code == 302
