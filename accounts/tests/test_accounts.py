import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core import mail
from django.db import IntegrityError
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def log_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_a_user_logs_in_with_the_right_password(client, practitioner):
    response = log_in(client, practitioner.username, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_a_wrong_password_is_refused_with_a_message(client, practitioner):
    response = log_in(client, practitioner.username, "wrong-password")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_an_over_long_user_name_is_refused_with_a_message_before_any_attempt_is_recorded(client):
    """A user name longer than any account's went on to django-axes, whose record of it failed on PostgreSQL."""
    response = log_in(client, "0" * 300, "any-password")

    assert response.status_code == 200
    assert "at most 150 characters" in response.content.decode()
    assert not AccessAttempt.objects.exists()


def test_repeated_failures_lock_the_account_even_with_the_right_password(client, practitioner):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, practitioner.username, "wrong-password")
    response = log_in(client, practitioner.username, PASSWORD)
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_needs_a_post(client, practitioner):
    client.force_login(practitioner)
    assert client.get(reverse("logout")).status_code == 405
    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session


def test_sessions_end_after_inactivity_and_each_request_extends_them():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_passwords_are_hashed_with_argon2_outside_tests():
    # The test run swaps in a fast hasher (conftest.py); production uses the first in settings.
    from vig import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_password_reset_sends_a_link_that_sets_a_new_password(client, practitioner):
    client.post(reverse("password_reset"), {"email": practitioner.email})
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line)
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url, {"new_password1": "a new long passphrase", "new_password2": "a new long passphrase"}
    )
    assert response.status_code == 302
    practitioner.refresh_from_db()
    assert practitioner.check_password("a new long passphrase")


def test_password_reset_does_not_say_whether_an_address_exists(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 0


def test_password_change_needs_the_old_password(client, practitioner):
    client.force_login(practitioner)
    response = client.post(
        reverse("password_change"),
        {"old_password": "not it", "new_password1": "another long phrase", "new_password2": "another long phrase"},
    )
    assert response.status_code == 200
    practitioner.refresh_from_db()
    assert practitioner.check_password(PASSWORD)


def test_createsuperuser_makes_an_administrator():
    user = User.objects.create_superuser("boss", "boss@example.org", PASSWORD)
    assert user.is_administrator
    assert user.is_superuser and user.is_staff


def test_a_practitioner_cannot_be_a_superuser_in_the_database():
    user = UserFactory()
    user.is_superuser = True
    with pytest.raises(IntegrityError):
        user.save()


def test_set_role_keeps_the_django_flags_in_step():
    user = UserFactory()
    user.set_role(User.Role.ADMINISTRATOR)
    user.save()
    assert user.is_staff and user.is_superuser
    user.set_role(User.Role.SUPERVISOR)
    user.save()
    assert not (user.is_staff or user.is_superuser)
