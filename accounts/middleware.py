"""Three gates every request passes once the user is known.

- SessionGenerationMiddleware ends a session whose user was disabled (or whose
  sessions were all ended) since it began: the session is flushed, which
  deletes it from the session store, and the request goes on anonymous.
- TwoFactorSessionMiddleware (in place of django-otp's OTPMiddleware) tells
  whether this session gave a second factor, without a query.
- TwoFactorMiddleware sends a user who must give a second factor, and has not
  in this session, to set up their authenticator app or to enter a code.
"""

import functools
from urllib.parse import urlencode

from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware

from . import two_factor

GENERATION_SESSION_KEY = "vig_session_generation"

# What a user who still owes a second factor may reach: leaving, the two-factor
# pages themselves, the health check, and a client's letter link (the link and
# its cookie are the key there, not the account, so a half-logged-in staff
# member opening a family's link is treated like anyone else). Static files never reach Django's
# views in production, and the test and development servers serve them before
# the middleware.
TWO_FACTOR_OPEN_URLS = {
    "logout",
    "admin:logout",
    "accounts:two_factor_enrol",
    "accounts:two_factor_verify",
    "healthz",
    "letters:client_link",
    "letters:client_open",
    "letters:client_letter",
    "letters:client_pdf",
}


class SessionGenerationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if SESSION_KEY in session:
            user = request.user
            # Anonymous here means the session's user can no longer log in
            # (disabled or deleted); a different number means their sessions were ended.
            if not user.is_authenticated or session.get(GENERATION_SESSION_KEY, 0) != user.session_generation:
                session.flush()
                request.user = AnonymousUser()
        return self.get_response(request)


class TwoFactorSessionMiddleware(OTPMiddleware):
    """django-otp's middleware, trusting the session's record of the device that verified it.

    django-otp loads that device on every request, to notice one removed since:
    a query on every page for every supervisor and administrator. Here the
    device is loaded only if something asks for `user.otp_device`; a device
    removed later (a lost phone) ends all the user's sessions
    instead (accounts.signals), so the record never outlives the device. The
    record itself is written only by django_otp.login after a right code, for
    a device of this user (accounts.two_factor.mark_verified).
    """

    def _verify_user_sync(self, request, user):
        self._init_user_fields(user)
        persistent_id = request.session.get(DEVICE_ID_SESSION_KEY) if user.is_authenticated else None
        if persistent_id:
            user.otp_device = SimpleLazyObject(functools.partial(self._device_from_persistent_id, persistent_id))
        return user


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or not two_factor.is_required(user, request.session):
            return None
        if two_factor.is_verified(request):
            return None
        if request.resolver_match.view_name in TWO_FACTOR_OPEN_URLS:
            return None
        step = "accounts:two_factor_verify" if two_factor.has_device(user) else "accounts:two_factor_enrol"
        url = reverse(step)
        if request.method == "GET":
            url += "?" + urlencode({"next": request.get_full_path()})
        return redirect(url)
