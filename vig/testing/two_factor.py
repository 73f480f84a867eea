"""Logging in past two-factor authentication in tests: the one mechanism.

Supervisors and administrators (and practitioners, when the service requires
it or they turned it on) must give a code from their authenticator app before
any page. So that every test can keep logging in the way it always has:

- ``client.force_login(user)`` (Django's test client, any instance) logs the
  user in and, when the user needs a second factor, gives them a real confirmed
  TOTP device and marks the session verified with it: the same session entry
  django-otp writes after a real code (``otp_device_id``). This plugin patches
  ``force_login`` for the whole run (loaded from the root conftest).
- The browser fixture ``log_in(user)`` (vig/testing/browser.py) goes through
  the real log-in form and then the real code page, typing the code computed
  from the user's device with ``code_for``.
- A test of the enforcement itself logs in without the second factor with
  ``force_login_unverified(client, user)``.
"""

import time

from django.test.client import ClientMixin
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor

_force_login_unverified = ClientMixin.force_login


def needs_second_factor(user) -> bool:
    return two_factor.required_by_role(user) or two_factor.has_device(user)


def device_for(user) -> TOTPDevice:
    """The user's confirmed authenticator app, made on first use."""
    device = two_factor.confirmed_device(user)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=two_factor.DEVICE_NAME, confirmed=True)
    return device


def code_for(device: TOTPDevice) -> str:
    """The code the user's app shows now; the next step's if this step's was used (a second log-in within 30 s)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if totp.t() <= device.last_t:
        # Accepted: TOTP devices allow one step of clock drift either way.
        totp.time += (device.last_t + 1 - totp.t()) * device.step
    return f"{totp.token():0{device.digits}d}"


def force_login_verified(client, user, backend=None) -> None:
    _force_login_unverified(client, user, backend)
    if needs_second_factor(user):
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device_for(user).persistent_id
        session[two_factor.ENROLLED_SESSION_KEY] = True
        session.save()


def force_login_unverified(client, user) -> None:
    """Log in with the password step only, as a person between the two steps: for tests of 2FA enforcement."""
    _force_login_unverified(client, user)


def pytest_configure(config):
    ClientMixin.force_login = force_login_verified
