from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from . import two_factor
from .middleware import GENERATION_SESSION_KEY


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    """Stamp the new session with the user's session number, and whether they must give a code."""
    if request is None or not hasattr(request, "session"):
        return
    request.session[GENERATION_SESSION_KEY] = user.session_generation
    if not two_factor.required_by_role(user) and two_factor.has_device(user):
        request.session[two_factor.ENROLLED_SESSION_KEY] = True
