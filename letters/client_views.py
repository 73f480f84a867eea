"""The client's side of the Traject Letter: no account, only the link.

The order of a visit:
1. GET /l/<token>/ (the link as sent, perhaps fetched first by a mail scanner):
   the token is checked and exchanged for a short signed cookie scoped to
   /letter/, and the browser is sent to /letter/, a URL without the token.
   Nothing is counted or used up by a GET.
2. /letter/: a page with one button (and the passcode field, if the link has
   one). Its POST is the opening: a wrong passcode counts against the link
   and locks it after VIG_LETTER_LINK_PASSCODE_ATTEMPTS; a good one marks the
   cookie open, records the opening and sends the browser to /letter/read/.
3. /letter/read/ shows the letter; /letter/pdf/ downloads it (recorded too).

Every unknown, tampered, expired, revoked or locked link gets the same page
and status (404), and each such failure counts against the address; an address
over VIG_LETTER_LINK_GUESS_LIMIT gets 429 whatever it sends. These pages link
to nothing else in the system and use no staff layout.
"""

import functools

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotFound
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from audit.log import record
from audit.models import AuditEvent
from clips.delivery import serve_media

from . import links, services
from .forms import PasscodeForm
from .models import ClientLinkAccess, TrajectLetter
from .rendering import letter_html

CLIENT_CSP = "; ".join(
    [
        "default-src 'none'",
        "style-src 'self'",
        "img-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
# The letter's own template links its one stylesheet and carries its stills inline (data: URIs); it has no forms.
LETTER_CSP = "; ".join(
    [
        "default-src 'none'",
        "style-src 'self'",
        "img-src data:",
        "form-action 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)


def client_area(view):
    """The headers every client-area response carries, whatever it is (page, redirect, PDF, refusal)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        response["Cache-Control"] = "no-store"
        response["X-Robots-Tag"] = "noindex"
        response.headers.setdefault("Content-Security-Policy", CLIENT_CSP)
        return response

    return wrapped


def unavailable(request, *, counted: bool = True, forget: bool = True):
    """The one answer for any link that does not open a letter: nothing to tell the cases apart."""
    if counted:
        links.note_failure(request)
    response = render(request, "letters/client/unavailable.html", status=404)
    if forget:
        links.clear_cookie(response)
    return response


def too_many(request):
    response = render(request, "letters/client/too_many.html", status=429)
    response["Retry-After"] = str(settings.VIG_LETTER_LINK_GUESS_WINDOW_MINUTES * 60)
    return response


@client_area
@require_safe
def client_link(request, link_token):
    if links.address_is_limited(request):
        return too_many(request)
    link = links.find(link_token)
    if link is None or not link.is_usable:
        return unavailable(request)
    response = redirect("letters:client_open")
    links.set_cookie(response, link, links.SEEN)
    return response


@client_area
@require_http_methods(["GET", "POST"])
@csrf_exempt
def client_open(request):
    """The landing page and its POST, the opening.

    Not behind Django's CSRF check: with `Referrer-Policy: no-referrer` the
    browser sends `Origin: null` on this POST, which that check refuses. What
    it would protect is carried by the cookie instead: SameSite=Lax, so a POST
    from another site arrives without it and opens nothing; and a browser
    that says the request is cross-site (Sec-Fetch-Site) is refused outright.
    """
    if links.address_is_limited(request):
        return too_many(request)
    if request.method == "POST" and request.headers.get("Sec-Fetch-Site") == "cross-site":
        return unavailable(request, counted=False, forget=False)  # another site may not end the client's visit
    link, step, present = links.from_cookie(request)
    if link is None:
        return unavailable(request, counted=present)
    if request.method == "GET" and step == links.OPEN:
        return redirect("letters:client_letter")
    form = PasscodeForm(request.POST or None) if link.has_passcode else None
    if request.method == "POST":
        if form is not None and not (form.is_valid() and links.passcode_matches(link, form.cleaned_data["passcode"])):
            links.note_failure(request)
            with transaction.atomic():
                locked = services.note_wrong_passcode(link=link)
                if locked:
                    record(request, AuditEvent.Action.UPDATE, link, case=link.case, summary="locked: wrong passcodes")
            if locked:
                return unavailable(request, counted=False)
            form.add_error("passcode", "That passcode is not right. Check it and try again.")
        else:
            with transaction.atomic():
                services.record_access(link=link, kind=ClientLinkAccess.Kind.OPENED)
                record(request, AuditEvent.Action.VIEW, link, case=link.case, summary="client opened the letter")
            response = redirect("letters:client_letter")
            links.set_cookie(response, link, links.OPEN)
            return response
    return render(
        request,
        "letters/client/open.html",
        {"form": form, "service_name": settings.VIG_SERVICE_NAME},
        status=400 if request.method == "POST" else 200,
    )


def _opened_link(request):
    link, step, present = links.from_cookie(request)
    if link is None or step != links.OPEN:
        return None, present
    return link, present


@client_area
@require_GET
def client_letter(request):
    link, present = _opened_link(request)
    if link is None:
        return unavailable(request, counted=present)
    letter = link.letter_to_show()
    ready = letter.render_status == TrajectLetter.RenderStatus.READY and bool(letter.pdf)
    download_url = reverse("letters:client_pdf") if ready else None
    response = HttpResponse(letter_html(letter, client_view=True, download_url=download_url))
    response["Content-Security-Policy"] = LETTER_CSP
    return response


@client_area
@require_GET
def client_pdf(request):
    link, present = _opened_link(request)
    if link is None:
        return unavailable(request, counted=present)
    letter = link.letter_to_show()
    if letter.render_status != TrajectLetter.RenderStatus.READY or not letter.pdf:
        return HttpResponseNotFound("The PDF of your letter is not ready yet.", content_type="text/plain")
    with transaction.atomic():
        services.record_access(link=link, kind=ClientLinkAccess.Kind.DOWNLOADED)
        record(request, AuditEvent.Action.VIEW, link, case=link.case, summary="client downloaded the PDF")
    return serve_media(
        request, letter.pdf, content_type="application/pdf", download_name=letter.download_name(), as_attachment=True
    )
