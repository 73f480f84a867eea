"""The client link's secrets: tokens, passcodes, the guess limiter and the short cookie.

A token is 256 bits from `secrets` (token_urlsafe(32)); the database keeps
only its SHA-256, so a copy of the database opens no letter. A passcode, when
the practitioner asks for one, is made here too and kept as a Django password
hash. Failures from one address are counted in the shared cache (see
CACHES in vig/settings.py); wrong passcodes on one link are counted on the
link itself and lock it.
"""

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.cache import cache
from django.core.signing import BadSignature

from audit.log import client_ip

from .models import ClientLink

TOKEN_BYTES = 32
PASSCODE_DIGITS = 8
COOKIE_NAME = "vig_letter"
COOKIE_PATH = "/letter/"
COOKIE_SALT = "letters.client-link"
# The two steps a link's cookie records: the token was good (the client has
# yet to open the letter, with the passcode if there is one), and opened.
SEEN = "seen"
OPEN = "open"


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def find(token: str) -> ClientLink | None:
    """The link a token belongs to, whatever its state; None for an unknown token."""
    if not token or len(token) > 100:
        return None
    return ClientLink.objects.select_related("letter__case").filter(token_hash=token_hash(token)).first()


def new_passcode() -> str:
    """Eight digits: easy to read out and to type on a phone; five tries in 10^8 are no real chance."""
    return "".join(secrets.choice("0123456789") for _ in range(PASSCODE_DIGITS))


def hash_passcode(passcode: str) -> str:
    return make_password(passcode)


def passcode_matches(link: ClientLink, typed: str) -> bool:
    # Spaces are how the passcode is shown ("1234 5678"); people type them or not.
    return check_password("".join(typed.split()), link.passcode_hash)


def display_passcode(passcode: str) -> str:
    return f"{passcode[:4]} {passcode[4:]}"


# --- Guessing, per address ---------------------------------------------------


def _address_key(request) -> str:
    return f"letters:link-failures:{client_ip(request) or 'unknown'}"


def _window_seconds() -> int:
    return settings.VIG_LETTER_LINK_GUESS_WINDOW_MINUTES * 60


def address_is_limited(request) -> bool:
    return (cache.get(_address_key(request)) or 0) >= settings.VIG_LETTER_LINK_GUESS_LIMIT


def note_failure(request) -> int:
    """Count a failed opening from this address; the count lives until a window passes without one.

    add() then incr() is atomic on Redis; on the file cache two processes may
    rarely lose one count between them, which only delays the limit by one.
    """
    key = _address_key(request)
    window = _window_seconds()
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=window)
        count = 1
    cache.touch(key, window)
    return count


# --- The cookie that replaces the token ----------------------------------------


def set_cookie(response, link: ClientLink, step: str) -> None:
    response.set_signed_cookie(
        COOKIE_NAME,
        f"{link.pk}:{step}",
        salt=COOKIE_SALT,
        max_age=settings.VIG_LETTER_LINK_COOKIE_MINUTES * 60,
        path=COOKIE_PATH,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def clear_cookie(response) -> None:
    response.delete_cookie(COOKIE_NAME, path=COOKIE_PATH, samesite="Lax")


def cookie_value(link: ClientLink, step: str) -> str:
    """The signed value set_cookie would set: for tests and the role matrix, which hold a link's cookie."""
    from django.http import HttpResponse

    response = HttpResponse()
    set_cookie(response, link, step)
    return response.cookies[COOKIE_NAME].value


def from_cookie(request) -> tuple[ClientLink | None, str | None, bool]:
    """(link, step, present): the usable link the cookie names, or None; `present` tells a missing
    cookie (nothing to count) from a forged, stale or unusable one (counted as a failure)."""
    raw = request.COOKIES.get(COOKIE_NAME)
    if raw is None:
        return None, None, False
    try:
        value = request.get_signed_cookie(
            COOKIE_NAME, salt=COOKIE_SALT, max_age=settings.VIG_LETTER_LINK_COOKIE_MINUTES * 60
        )
        pk, step = value.split(":")
        link = ClientLink.objects.select_related("letter__case").get(pk=int(pk))
    except (BadSignature, ValueError, ClientLink.DoesNotExist):
        return None, None, True
    if step not in (SEEN, OPEN) or not link.is_usable:
        return None, None, True
    return link, step, True
