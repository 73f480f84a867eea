"""The practitioner's side of the client link: make one (the URL is shown once), revoke one.

Reached through get_case_for_user like every letter page; only those who may
change the case (its practitioner, an administrator) make or revoke links.
"""

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe

from audit.log import record
from audit.models import AuditEvent
from cases.views import get_case_for_user

from . import links, services
from .forms import ClientLinkForm
from .views import _letter

Action = AuditEvent.Action


def qr_svg(url: str) -> str:
    """The link as a QR code, drawn here as inline SVG (no style attributes, nothing fetched)."""
    code = segno.make(url, error="m")
    return code.svg_inline(
        scale=4,
        light="#fff",
        title="QR code of the link",
        desc="Scanning it with a phone's camera opens the same link as the address shown beside it.",
        svgclass="link-qr",
        lineclass="link-qr-modules",
    )


@login_required
def link_create(request, reference, letter_id):
    case = get_case_for_user(request, reference, edit=True)
    letter = _letter(case, letter_id)
    if not letter.is_finalised:
        messages.error(request, "Only a finalised letter can be shared with the client.")
        return redirect(letter.get_absolute_url())
    form = ClientLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            made = services.create_link(
                letter=letter,
                user=request.user,
                days=form.cleaned_data["days"],
                with_passcode=form.cleaned_data["with_passcode"],
            )
            summary = f"client link made, {form.cleaned_data['days']} days" + (
                ", with passcode" if made.passcode else ""
            )
            record(request, Action.CREATE, made.link, case=case, summary=summary)
        url = request.build_absolute_uri(reverse("letters:client_link", args=[made.token]))
        response = render(
            request,
            "letters/link_created.html",
            {
                "case": case,
                "letter": letter,
                "link": made.link,
                "url": url,
                # segno escapes the URL it draws; the SVG is ours.
                "qr": mark_safe(qr_svg(url)),  # noqa: S308
                "passcode": links.display_passcode(made.passcode) if made.passcode else None,
                "passcode_attempts": settings.VIG_LETTER_LINK_PASSCODE_ATTEMPTS,
            },
        )
        # The one response that holds the token: never stored, never sent on as a referrer.
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = "no-referrer"
        return response
    return render(request, "letters/link_form.html", {"case": case, "letter": letter, "form": form})


@login_required
def link_revoke(request, reference, letter_id, link_id):
    case = get_case_for_user(request, reference, edit=True)
    letter = _letter(case, letter_id)
    link = get_object_or_404(letter.client_links, pk=link_id)
    if request.method == "POST":
        with transaction.atomic():
            try:
                services.revoke_link(link=link, user=request.user)
            except services.LetterError as exc:
                messages.info(request, str(exc))
            else:
                record(request, Action.UPDATE, link, case=case, summary="revoked")
                messages.success(request, "The link was revoked. It no longer opens the letter.")
        return redirect(letter.get_absolute_url() + "#client-links")
    return render(request, "letters/link_revoke.html", {"case": case, "letter": letter, "link": link})
