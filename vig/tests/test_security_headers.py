"""Every page carries the security headers, and no page carries anything the CSP would refuse.

The walk reuses the role matrix: each URL is requested as a role that may
open it, so the headers are checked on the real page, not on a redirect.
"""

import re

import pytest
from django.urls import reverse

from vig.tests.test_role_matrix import MATRIX, url_for, world  # noqa: F401  (world is a fixture)

# A role that gets in, for each URL: the first of these the matrix lets through
# (to a page if any role gets one, else to wherever the URL sends them).
READERS = ["owner", "supervisor", "administrator", "anonymous"]

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.IGNORECASE)
HANDLER_ATTRIBUTE = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def reader_of(name):
    method, expected, *_ = MATRIX[name]
    return next((role for role in READERS if 200 <= expected[role] < 300), "owner")


def fetch(client, world, name, **extra):  # noqa: F811
    users, kwargs = world
    method, _, *headers = MATRIX[name]
    role = reader_of(name)
    if users[role] is not None:
        client.force_login(users[role])
    return client.generic(method, url_for(name, kwargs), headers=headers[0] if headers else None, **extra)


def policy(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_every_page_has_a_strict_content_security_policy(client, world, name):  # noqa: F811
    response = fetch(client, world, name)
    directives = policy(response)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives.get("object-src") == ["'none'"] or directives["default-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert "script-src" not in directives or directives["script-src"] == ["'self'"]


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_every_page_is_never_framed_sniffed_or_leaks_its_address(client, world, name):  # noqa: F811
    response = fetch(client, world, name)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    # same-origin everywhere; the client's letter pages go further and send no referrer at all.
    assert response["Referrer-Policy"] in {"same-origin", "no-referrer"}


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_every_page_asks_for_https_only_in_production(client, world, settings, name):  # noqa: F811
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    response = fetch(client, world, name, secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_no_page_has_inline_script_or_style(client, world):  # noqa: F811
    offences, pages = [], 0
    for name in sorted(MATRIX):
        response = fetch(client, world, name)
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        pages += 1
        html = response.content.decode()
        for pattern in (INLINE_SCRIPT, STYLE_ATTRIBUTE, STYLE_ELEMENT, HANDLER_ATTRIBUTE):
            offences += [f"{name}: {match.group(0)[:80]}" for match in pattern.finditer(html)]
    assert pages > 40  # the walk really reached the pages
    assert offences == []


def test_the_two_factor_set_up_page_has_no_inline_style(client, practitioner):
    client.force_login(practitioner)
    html = client.get(reverse("accounts:two_factor_enrol")).content.decode()
    assert "<svg" in html
    assert not STYLE_ATTRIBUTE.search(html)


@pytest.mark.parametrize(
    "url",
    [
        "admin:index",
        "admin:accounts_user_changelist",
        "admin:cases_case_changelist",
        "admin:otp_totp_totpdevice_changelist",
        "admin:otp_static_staticdevice_changelist",
    ],
)
def test_the_django_admin_has_the_headers_too(client, administrator, url):
    client.force_login(administrator)
    response = client.get(reverse(url))
    assert response.status_code == 200
    assert policy(response)["script-src"] == ["'self'"]
    assert response["X-Frame-Options"] == "DENY"
    assert not STYLE_ATTRIBUTE.search(response.content.decode())


def test_administrators_never_see_a_user_s_authenticator_secret(client, administrator, supervisor):
    from vig.testing.two_factor import device_for

    device = device_for(supervisor)
    client.force_login(administrator)
    response = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    assert response.status_code == 200
    assert device.key not in response.content.decode()
