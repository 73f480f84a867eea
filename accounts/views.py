"""The account page and the two steps of two-factor authentication: setting up an app, giving a code."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from audit.log import record
from audit.models import AuditEvent

from . import services, two_factor
from .forms import CodeForm

Action = AuditEvent.Action


def _next_url(request, default="home"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default


@login_required
def account(request):
    """Who you are, and your second factor: on, or how to turn it on."""
    user = request.user
    return render(
        request,
        "accounts/account.html",
        {
            "has_device": two_factor.has_device(user),
            "required": two_factor.required_by_role(user),
            "recovery_codes_left": two_factor.remaining_recovery_codes(user),
        },
    )


@login_required
def two_factor_enrol(request):
    """Set up an authenticator app: scan the code (or type the secret), then prove it with a code.

    Only for a user with no app yet: replacing one needs the old one first, or an
    administrator to remove it in the Django admin.
    """
    user = request.user
    if two_factor.has_device(user):
        messages.info(request, "Two-factor authentication is already set up for your account.")
        return redirect("accounts:two_factor_verify" if not two_factor.is_verified(request) else "accounts:account")
    device = two_factor.pending_device(user)
    form = CodeForm(request.POST or None, device=device)
    if request.method == "POST":
        if form.is_valid():
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = two_factor.new_recovery_codes(user)
                two_factor.mark_verified(request, device)
                # A session opened before (perhaps by whoever knew the password) would otherwise go on without a code.
                services.end_other_sessions(user=user, request=request)
                record(request, Action.TWO_FACTOR_ENROL, device, summary="authenticator app and recovery codes")
            messages.success(request, "Two-factor authentication is on: you will be asked for a code at each log-in.")
            return _show_recovery_codes(request, codes, next_url=_next_url(request, reverse("accounts:account")))
        record(request, Action.TWO_FACTOR_FAILED, device, summary="setting up")
    return render(
        request,
        "accounts/two_factor_enrol.html",
        {
            "form": form,
            "qr_svg": two_factor.qr_svg(device),
            "secret": two_factor.secret_text(device),
            "next": _next_url(request, ""),
            "required": two_factor.required_by_role(user),
        },
        status=400 if request.method == "POST" else 200,
    )


def _show_recovery_codes(request, codes, *, next_url):
    response = render(request, "accounts/recovery_codes.html", {"codes": codes, "next": next_url})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def recovery_codes(request):
    """New recovery codes, replacing the old ones: shown once."""
    user = request.user
    if not two_factor.has_device(user):
        messages.error(request, "Set up two-factor authentication first.")
        return redirect("accounts:account")
    with transaction.atomic():
        codes = two_factor.new_recovery_codes(user)
        record(request, Action.UPDATE, user, summary="new recovery codes")
    return _show_recovery_codes(request, codes, next_url=reverse("accounts:account"))


@login_required
def two_factor_verify(request):
    """The second step of logging in: a code from the app set up before."""
    user = request.user
    device = two_factor.confirmed_device(user)
    if device is None:
        return redirect("accounts:two_factor_enrol")
    if two_factor.is_verified(request):
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None, device=device, recovery=two_factor.recovery_device(user))
    if request.method == "POST":
        if form.is_valid():
            used_recovery_code = form.device is not device
            with transaction.atomic():
                two_factor.mark_verified(request, form.device)
                summary = "recovery code" if used_recovery_code else ""
                record(request, Action.TWO_FACTOR_VERIFY, form.device, summary=summary)
            if used_recovery_code:
                left = two_factor.remaining_recovery_codes(user)
                messages.warning(
                    request,
                    f"You used a recovery code; {left} left. If your phone is lost, ask an administrator to "
                    "remove the old app. You can make new recovery codes from Your account.",
                )
            return redirect(_next_url(request))
        record(request, Action.TWO_FACTOR_FAILED, form.device, summary="logging in")
    return render(
        request,
        "accounts/two_factor_verify.html",
        {"form": form, "next": _next_url(request, "")},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def two_factor_remove(request):
    """A practitioner who turned two-factor on may turn it off, with a current code; those who must keep it cannot."""
    user = request.user
    device = two_factor.confirmed_device(user)
    if device is None or two_factor.required_by_role(user):
        messages.error(request, "Two-factor authentication cannot be turned off for your account.")
        return redirect("accounts:account")
    form = CodeForm(request.POST, device=device)
    if not form.is_valid():
        record(request, Action.TWO_FACTOR_FAILED, device, summary="turning off")
        messages.error(request, form.errors["code"][0])
        return redirect("accounts:account")
    with transaction.atomic():
        record(request, Action.TWO_FACTOR_REMOVE, device)
        user.totpdevice_set.all().delete()  # ends the user's sessions (accounts.signals)...
        user.staticdevice_set.all().delete()
        two_factor.forget(request)
        services.end_other_sessions(user=user, request=request)  # ...all but this one
    messages.success(request, "Two-factor authentication is off.")
    return redirect("accounts:account")
