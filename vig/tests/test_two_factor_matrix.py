"""Every URL, for a supervisor or an administrator who has given only their password: sent to the code page.

The role matrix (test_role_matrix.py) runs with verified sessions (force_login,
see vig/testing/two_factor.py); here the same world is walked with a raw log-in.
Only leaving, the two-factor pages, the health check and a client's letter link stay open.
"""

import pytest
from django.urls import reverse

from accounts.middleware import TWO_FACTOR_OPEN_URLS
from vig.testing.two_factor import device_for, force_login_unverified
from vig.tests.test_role_matrix import MATRIX, url_for, world  # noqa: F401  (world is a fixture)

ADMIN_URLS = ["admin:index", "admin:accounts_user_changelist", "admin:cases_case_changelist"]


def sent_to(response, step):
    return response.status_code == 302 and response["Location"].startswith(reverse(step))


@pytest.mark.parametrize("role", ["supervisor", "administrator"])
@pytest.mark.parametrize("name", sorted(set(MATRIX) - TWO_FACTOR_OPEN_URLS))
def test_an_unverified_staff_user_is_sent_to_give_a_code(client, world, name, role):  # noqa: F811
    users, kwargs = world
    device_for(users[role])
    force_login_unverified(client, users[role])
    method, _, *headers = MATRIX[name]
    response = client.generic(method, url_for(name, kwargs), headers=headers[0] if headers else None)
    assert sent_to(response, "accounts:two_factor_verify"), f"{role} {method} {name}: {response.status_code}"


@pytest.mark.parametrize("role", ["supervisor", "administrator"])
@pytest.mark.parametrize("name", sorted(set(MATRIX) - TWO_FACTOR_OPEN_URLS))
def test_a_staff_user_without_an_app_is_sent_to_set_one_up(client, world, name, role):  # noqa: F811
    users, kwargs = world
    force_login_unverified(client, users[role])
    method, _, *headers = MATRIX[name]
    response = client.generic(method, url_for(name, kwargs), headers=headers[0] if headers else None)
    assert sent_to(response, "accounts:two_factor_enrol"), f"{role} {method} {name}: {response.status_code}"


@pytest.mark.parametrize("url", ADMIN_URLS)
def test_the_django_admin_needs_the_code_too(client, administrator, url):
    device_for(administrator)
    force_login_unverified(client, administrator)
    assert sent_to(client.get(reverse(url)), "accounts:two_factor_verify")


@pytest.mark.parametrize("url", ADMIN_URLS)
def test_a_verified_administrator_reaches_the_django_admin(client, administrator, url):
    client.force_login(administrator)
    assert client.get(reverse(url)).status_code == 200


@pytest.mark.parametrize(
    "name",
    ["logout", "healthz", "letters:client_link", "letters:client_open", "letters:client_letter", "letters:client_pdf"],
)
def test_leaving_the_health_check_and_a_clients_letter_link_stay_open(client, world, name):  # noqa: F811
    users, kwargs = world
    force_login_unverified(client, users["supervisor"])
    method, expected, *_ = MATRIX[name]
    response = client.generic(method, url_for(name, kwargs))
    assert response.status_code == expected["supervisor"]
    assert not sent_to(response, "accounts:two_factor_enrol")


def test_the_page_asked_for_is_kept_for_after_the_code(client, supervisor, case):
    device_for(supervisor)
    force_login_unverified(client, supervisor)
    response = client.get(case.get_absolute_url())
    assert response["Location"] == reverse("accounts:two_factor_verify") + f"?next=%2Fcases%2F{case.reference}%2F"
