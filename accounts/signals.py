from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import services, two_factor
from .middleware import GENERATION_SESSION_KEY


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    """Stamp the new session with the user's session number, and whether they must give a code."""
    if request is None or not hasattr(request, "session"):
        return
    # From the database, not the object given: a caller's copy of the user may predate an ending of sessions.
    user.refresh_from_db(fields=["session_generation"])
    request.session[GENERATION_SESSION_KEY] = user.session_generation
    if not two_factor.required_by_role(user) and two_factor.has_device(user):
        request.session[two_factor.ENROLLED_SESSION_KEY] = True


@receiver(post_delete, sender=TOTPDevice)
@receiver(post_delete, sender=StaticDevice)
def on_device_removed(sender, instance, **kwargs):
    """An authenticator app (or recovery codes) removed, e.g. for a lost phone in the Django admin:
    every session it verified ends.

    Sessions remember that they were verified rather than loading the device on
    each request (accounts.middleware.TwoFactorSessionMiddleware), so this is
    what keeps a session from outliving its device.
    """
    if instance.confirmed:
        services.end_sessions(user=instance.user)
