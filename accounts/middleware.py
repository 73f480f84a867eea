"""Two gates every request passes once the user is known.

- SessionGenerationMiddleware ends a session whose user was disabled (or whose
  sessions were all ended) since it began: the session is flushed, which
  deletes it from the session store, and the request goes on anonymous.
- TwoFactorMiddleware sends a user who must give a second factor, and has not
  in this session, to set up their authenticator app or to enter a code.
"""

from urllib.parse import urlencode

from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect
from django.urls import reverse

from . import two_factor

GENERATION_SESSION_KEY = "vig_session_generation"

# What a user who still owes a second factor may reach: leaving, the two-factor
# pages themselves, and the health check. Static files never reach Django's
# views in production, and the test and development servers serve them before
# the middleware.
TWO_FACTOR_OPEN_URLS = {"logout", "accounts:two_factor_enrol", "accounts:two_factor_verify", "healthz"}


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
