"""Two-factor authentication: who must give a code, their authenticator app, and a verified session.

A user's second factor is one confirmed TOTP device (django-otp), with ten
single-use recovery codes (a static device) for a lost phone. Supervisors
and administrators must use one; practitioners may turn it on for themselves
and must when settings.VIG_REQUIRE_2FA_FOR_ALL is on. Whether a practitioner
has turned it on is read once at log-in and kept in the session, so the pages
they use most cost no extra query.
"""

import base64
import datetime
import math
import re

import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.safestring import mark_safe
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.models import VerifyNotAllowed
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

# Set at log-in (accounts.signals) when the user has a confirmed device.
ENROLLED_SESSION_KEY = "vig_2fa_enrolled"
DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10
# StaticToken.random_token(): eight base32 characters; typed in any case, with spaces or hyphens.
RECOVERY_CODE = re.compile(r"^[a-z2-7]{8}$")


def required_by_role(user) -> bool:
    """Supervisors and administrators always; everyone when the service says so."""
    return user.is_supervisor or user.is_administrator or settings.VIG_REQUIRE_2FA_FOR_ALL


def is_required(user, session) -> bool:
    """Must this logged-in user give a code before going anywhere?"""
    return required_by_role(user) or bool(session.get(ENROLLED_SESSION_KEY))


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def has_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_device(user) -> TOTPDevice:
    """The unconfirmed device being set up: the same secret on every reload until it is confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// address as an inline SVG QR code (no style attributes: the CSP forbids them)."""
    code = segno.make(device.config_url, error="m")
    svg = code.svg_inline(scale=5, border=4, title="QR code for your authenticator app", dark="#000", light="#fff")
    return mark_safe(svg)  # noqa: S308 - segno's own markup; the only data is the otpauth address, encoded as a path


def secret_text(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an app by hand."""
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def recovery_device(user) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def new_recovery_codes(user) -> list[str]:
    """Ten fresh single-use codes, replacing any left: shown once, kept only in the database."""
    with transaction.atomic():
        device = recovery_device(user)
        if device is None:
            device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def remaining_recovery_codes(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def check_code(device, code: str) -> bool:
    """Verify a code against the device with its throttling, under a row lock so two tries cannot race."""
    with transaction.atomic():
        locked = type(device).objects.select_for_update().get(pk=device.pk)
        accepted = locked.verify_token(code)
    device.refresh_from_db()
    return accepted


def wait_message(device) -> str | None:
    """Why no code may be tried now (after several wrong ones), or None if one may."""
    allowed, details = device.verify_is_allowed()
    if allowed:
        return None
    if details and details.get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS:
        locked_until = details.get("locked_until") or timezone.now()
        seconds = max(1, math.ceil((locked_until - timezone.now()) / datetime.timedelta(seconds=1)))
        count = details.get("failure_count", 1)
        return (
            f"{count} wrong code{'s' if count != 1 else ''} in a row: wait {seconds} seconds, "
            "then try the newest code from your app."
        )
    return "Codes cannot be checked just now. Try again in a minute."


def mark_verified(request, device) -> None:
    """The session has given its second factor: remember the device, and a new session key from here on."""
    request.session.cycle_key()
    otp_login(request, device)
    request.session[ENROLLED_SESSION_KEY] = True


def is_verified(request) -> bool:
    verified = getattr(request.user, "is_verified", None)
    return bool(verified and verified())


def forget(request) -> None:
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    request.session.pop(ENROLLED_SESSION_KEY, None)
