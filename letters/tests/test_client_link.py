"""The client's side of the secure link: exchange, opening, passcode, refusals, guessing, headers, logs."""

import datetime
import logging
import re

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from letters import links, services
from letters.models import ClientLink, ClientLinkAccess, TrajectLetter
from letters.tests.conftest import ACCOUNT, write_letter

CLIENT_HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


@pytest.fixture
def letter(client, full_case, practitioner):
    """A finalised letter with a PDF in place (the real render is covered by test_download_is_the_rendered_pdf)."""
    letter = write_letter(client, full_case, practitioner)
    client.post(reverse("letters:finalise", args=[full_case.reference, letter.pk]))
    letter.refresh_from_db()
    letter.pdf.save("l.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
    letter.render_status = TrajectLetter.RenderStatus.READY
    letter.save()
    client.logout()
    return letter


def make_link(letter, *, days=30, with_passcode=False):
    return services.create_link(letter=letter, user=letter.created_by, days=days, with_passcode=with_passcode)


def link_url(token):
    return reverse("letters:client_link", args=[token])


def open_letter(client, token, passcode=None):
    """The client's whole way in: the link, the landing page's button, the letter."""
    response = client.get(link_url(token))
    assert response.status_code == 302, response.status_code
    data = {"passcode": passcode} if passcode is not None else {}
    return client.post(reverse("letters:client_open"), data)


def unavailable_page(client):
    """What an unknown link gets: every other refusal must look exactly like it."""
    response = client.get(link_url(links.new_token()))
    return response.status_code, response.content


def test_the_link_swaps_its_token_for_a_short_httponly_cookie_on_a_url_without_it(client, letter):
    made = make_link(letter)
    response = client.get(link_url(made.token))
    assert response.status_code == 302
    assert response["Location"] == reverse("letters:client_open")
    cookie = response.cookies[links.COOKIE_NAME]
    assert cookie["httponly"] and cookie["path"] == "/letter/" and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == 30 * 60
    assert made.token not in cookie.value


def test_the_cookie_is_secure_when_session_cookies_are(client, letter, settings):
    settings.SESSION_COOKIE_SECURE = True
    response = client.get(link_url(make_link(letter).token))
    assert response.cookies[links.COOKIE_NAME]["secure"]


def test_the_client_reads_the_letter_and_the_final_url_holds_no_token(client, letter):
    made = make_link(letter)
    client.get(link_url(made.token))
    response = client.post(reverse("letters:client_open"), follow=True)
    final_url = response.redirect_chain[-1][0]
    assert final_url == reverse("letters:client_letter")
    assert made.token not in final_url and made.token not in response.content.decode()
    page = response.content.decode()
    assert "You noticed how Sam waited for you." in page
    assert reverse("letters:client_pdf") in page


def test_a_scanners_get_uses_nothing_up(client, letter):
    made = make_link(letter, with_passcode=True)
    for _ in range(3):
        assert client.get(link_url(made.token)).status_code == 302
        assert client.get(reverse("letters:client_open")).status_code == 200
    made.link.refresh_from_db()
    assert made.link.failed_attempts == 0 and made.link.is_usable
    assert not made.link.accesses.exists()
    assert not AuditEvent.objects.filter(object_type="letters.clientlink", action="view").exists()
    # The client still gets in afterwards.
    assert open_letter(client, made.token, made.passcode).status_code == 302


def test_an_opening_and_a_download_are_recorded_and_audited(client, letter):
    made = make_link(letter)
    open_letter(client, made.token)
    response = client.get(reverse("letters:client_pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    kinds = list(made.link.accesses.order_by("at", "pk").values_list("kind", flat=True))
    assert kinds == [ClientLinkAccess.Kind.OPENED, ClientLinkAccess.Kind.DOWNLOADED]
    events = AuditEvent.objects.filter(object_type="letters.clientlink", object_id=str(made.link.pk))
    assert set(events.values_list("summary", flat=True)) == {"client opened the letter", "client downloaded the PDF"}
    assert all(e.case_id == letter.case_id for e in events)


def test_no_audit_entry_or_access_row_holds_the_token(client, letter, practitioner):
    client.force_login(practitioner)
    response = client.post(reverse("letters:link_create", args=[letter.case.reference, letter.pk]), {"days": 30})
    token = re.search(r"/l/([A-Za-z0-9_-]+)/", response.content.decode()).group(1)
    client.logout()
    open_letter(client, token)
    client.get(reverse("letters:client_pdf"))
    for event in AuditEvent.objects.all():
        assert all(token not in str(value) for value in event.__dict__.values())
    assert all(token not in str(value) for value in ClientLink.objects.get().__dict__.values())


@pytest.mark.parametrize(
    "name", ["client_link", "client_open", "client_letter", "client_pdf", "unavailable", "too_many"]
)
def test_every_client_response_carries_the_privacy_headers(client, letter, settings, name):
    made = make_link(letter)
    if name == "client_link":
        response = client.get(link_url(made.token))
    elif name == "client_open":
        client.get(link_url(made.token))
        response = client.get(reverse("letters:client_open"))
    elif name in ("client_letter", "client_pdf"):
        open_letter(client, made.token)
        response = client.get(reverse(f"letters:{name}"))
    elif name == "unavailable":
        response = client.get(link_url("nope"))
    else:
        settings.VIG_LETTER_LINK_GUESS_LIMIT = 1
        client.get(link_url("nope"))
        response = client.get(link_url(made.token))
        assert response.status_code == 429
    for header, value in CLIENT_HEADERS.items():
        assert response[header] == value, header


def test_an_expired_link_gets_the_same_page_as_an_unknown_one(client, letter):
    made = make_link(letter, days=7)
    expected = unavailable_page(client)
    with time_machine.travel(made.link.expires_at + datetime.timedelta(seconds=1)):
        response = client.get(link_url(made.token))
    assert (response.status_code, response.content) == expected == (404, expected[1])


def test_a_link_works_until_its_expiry(client, letter):
    made = make_link(letter, days=7)
    with time_machine.travel(made.link.expires_at - datetime.timedelta(minutes=1)):
        assert open_letter(client, made.token).status_code == 302


def test_a_revoked_link_gets_the_same_page_as_an_unknown_one(client, letter, practitioner):
    made = make_link(letter)
    services.revoke_link(link=made.link, user=practitioner)
    response = client.get(link_url(made.token))
    assert (response.status_code, response.content) == unavailable_page(client)


def test_revoking_closes_a_letter_already_open(client, letter, practitioner):
    made = make_link(letter)
    open_letter(client, made.token)
    assert client.get(reverse("letters:client_letter")).status_code == 200
    services.revoke_link(link=made.link, user=practitioner)
    response = client.get(reverse("letters:client_letter"))
    assert (response.status_code, response.content) == unavailable_page(client)
    assert client.get(reverse("letters:client_pdf")).status_code == 404


def test_a_tampered_token_gets_the_same_page_as_an_unknown_one(client, letter):
    made = make_link(letter)
    last = made.token[-1]
    tampered = made.token[:-1] + ("A" if last != "A" else "B")
    for token in (tampered, made.token[:-1], made.token + "x", made.token.upper()):
        response = client.get(link_url(token))
        assert (response.status_code, response.content) == unavailable_page(client), token


def test_a_tampered_cookie_opens_nothing(client, letter):
    made = make_link(letter)
    open_letter(client, made.token)
    good = client.cookies[links.COOKIE_NAME].value
    link_id, rest = good.split(":", 1)
    # The same signature on another link's number, then a forged step.
    other = make_link(letter)
    client.cookies[links.COOKIE_NAME] = f"{other.link.pk}:{rest}"
    response = client.get(reverse("letters:client_letter"))
    assert (response.status_code, response.content) == unavailable_page(client)
    client.cookies[links.COOKIE_NAME] = f"{made.link.pk}:open"
    assert client.get(reverse("letters:client_letter")).status_code == 404


def test_the_cookie_lasts_thirty_minutes(client, letter):
    made = make_link(letter)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        open_letter(client, made.token)
        traveller.shift(datetime.timedelta(minutes=29))
        assert client.get(reverse("letters:client_letter")).status_code == 200
        traveller.shift(datetime.timedelta(minutes=2))
        assert client.get(reverse("letters:client_letter")).status_code == 404


def test_the_letter_needs_the_opening_post_not_just_the_link(client, letter):
    made = make_link(letter)
    client.get(link_url(made.token))
    assert client.get(reverse("letters:client_letter")).status_code == 404
    assert client.get(reverse("letters:client_pdf")).status_code == 404


def test_the_right_passcode_opens_the_letter(client, letter):
    made = make_link(letter, with_passcode=True)
    assert re.fullmatch(r"\d{8}", made.passcode)
    response = open_letter(client, made.token, links.display_passcode(made.passcode))
    assert response.status_code == 302 and response["Location"] == reverse("letters:client_letter")


def test_the_passcode_is_stored_only_as_a_hash(letter):
    made = make_link(letter, with_passcode=True)
    assert made.passcode not in made.link.passcode_hash and made.link.passcode_hash.startswith("md5$")


def test_wrong_passcodes_lock_the_link(client, letter, settings):
    settings.VIG_LETTER_LINK_PASSCODE_ATTEMPTS = 5
    made = make_link(letter, with_passcode=True)
    client.get(link_url(made.token))
    for attempt in range(1, 5):
        response = client.post(reverse("letters:client_open"), {"passcode": "00000000"})
        assert response.status_code == 400 and "That passcode is not right" in response.content.decode(), attempt
    response = client.post(reverse("letters:client_open"), {"passcode": "00000000"})
    assert (response.status_code, response.content) == unavailable_page(client)
    made.link.refresh_from_db()
    assert made.link.failed_attempts == 5 and made.link.locked_at and made.link.state() == "locked"
    assert AuditEvent.objects.filter(object_id=str(made.link.pk), summary="locked: wrong passcodes").count() == 1
    # Locked for good: the right passcode, from anywhere, no longer opens it.
    other = client_from("192.0.2.77")
    response = other.get(link_url(made.token))
    assert response.status_code == 404
    assert not made.link.accesses.exists()


def client_from(address):
    from django.test import Client

    return Client(REMOTE_ADDR=address)


def test_a_thousand_guesses_find_nothing_and_the_address_is_stopped(client, letter, settings):
    settings.VIG_LETTER_LINK_GUESS_LIMIT = 20
    made = make_link(letter)
    statuses = [client.get(link_url(links.new_token())).status_code for _ in range(1000)]
    assert statuses.count(404) == 20
    assert statuses.count(429) == 980
    assert set(statuses) == {404, 429}  # not one guess got in
    # While stopped, even the right token from that address gets nothing…
    response = client.get(link_url(made.token))
    assert response.status_code == 429 and links.COOKIE_NAME not in response.cookies
    # …while the client, elsewhere, opens the letter.
    assert open_letter(client_from("198.51.100.9"), made.token).status_code == 302


def test_the_limit_lifts_after_a_quiet_window(client, letter, settings):
    settings.VIG_LETTER_LINK_GUESS_LIMIT = 3
    made = make_link(letter)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(3):
            client.get(link_url("guess"))
        assert client.get(link_url(made.token)).status_code == 429
        traveller.shift(datetime.timedelta(minutes=16))
        assert client.get(link_url(made.token)).status_code == 302


def test_wrong_passcodes_count_against_the_address_too(client, letter, settings):
    settings.VIG_LETTER_LINK_GUESS_LIMIT = 3
    settings.VIG_LETTER_LINK_PASSCODE_ATTEMPTS = 10
    made = make_link(letter, with_passcode=True)
    client.get(link_url(made.token))
    for _ in range(3):
        client.post(reverse("letters:client_open"), {"passcode": "1"})
    assert client.post(reverse("letters:client_open"), {"passcode": made.passcode}).status_code == 429


def test_the_client_pages_link_to_nothing_else_in_the_system(client, letter):
    made = make_link(letter, with_passcode=True)
    client.get(link_url(made.token))
    landing = client.get(reverse("letters:client_open")).content.decode()
    client.post(reverse("letters:client_open"), {"passcode": made.passcode})
    page = client.get(reverse("letters:client_letter")).content.decode()
    targets = re.findall(r'(?:href|src|action)="([^"]*)"', landing + page)
    allowed = {"", reverse("letters:client_pdf")}
    assert all(t in allowed or t.startswith(("/static/", "data:image/jpeg;base64,")) for t in targets), targets
    for staff in ("Caseload", "Log out", "/cases/", "VIG Case Manager"):
        assert staff not in landing and staff not in page


def test_the_clients_page_is_the_letter_with_its_stills_inline(client, letter):
    made = make_link(letter)
    open_letter(client, made.token)
    response = client.get(reverse("letters:client_letter"))
    page = response.content.decode()
    assert 'name="viewport"' in page
    assert "data:image/jpeg;base64," in page and "Sam looks up at you" in page
    assert ACCOUNT.split("\n")[0] in page
    assert "img-src data:" in response["Content-Security-Policy"]


def test_a_letter_whose_pdf_is_not_ready_says_so(client, letter):
    TrajectLetter.objects.filter(pk=letter.pk).update(render_status="processing")
    made = make_link(letter)
    open_letter(client, made.token)
    page = client.get(reverse("letters:client_letter")).content.decode()
    assert "still being made" in page and reverse("letters:client_pdf") not in page
    assert client.get(reverse("letters:client_pdf")).status_code == 404


def test_client_urls_are_outside_the_staff_area():
    for name in ("client_open", "client_letter", "client_pdf"):
        assert reverse(f"letters:{name}").startswith(links.COOKIE_PATH)
    assert not link_url("x").startswith("/cases/")


def test_tokens_are_redacted_from_request_logs(client, letter, caplog):
    made = make_link(letter)
    guess = links.new_token()
    with caplog.at_level(logging.INFO):
        client.get(link_url(guess))
        logging.getLogger("django.server").warning('"%s" %s %s', f"GET /l/{made.token}/ HTTP/1.1", "302", "0")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "Not Found: /l/[redacted]" in text
    assert '"GET /l/[redacted] HTTP/1.1" 302' in text
    assert guess not in text and made.token not in text


def test_a_token_further_along_a_link_path_is_redacted_too(client, caplog, db):
    token = links.new_token()
    with caplog.at_level(logging.INFO):
        client.get(f"/l/a/{token}/?t={token}")
    assert caplog.records and token not in "\n".join(r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("who", ["practitioner", "supervisor", "administrator"])
def test_a_staff_log_in_opens_nothing_in_the_client_area(client, letter, request, who):
    make_link(letter)
    client.force_login(request.getfixturevalue(who))
    for name in ("client_open", "client_letter", "client_pdf"):
        assert client.get(reverse(f"letters:{name}")).status_code == 404, name


def test_a_cross_site_post_opens_nothing(client, letter):
    made = make_link(letter)
    client.get(link_url(made.token))
    response = client.post(reverse("letters:client_open"), headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 404 and not made.link.accesses.exists()
    assert client.post(reverse("letters:client_open"), headers={"Sec-Fetch-Site": "same-origin"}).status_code == 302


def test_a_head_request_swaps_nothing_and_uses_nothing(client, letter):
    made = make_link(letter)
    response = client.head(link_url(made.token))
    assert response.status_code == 302 and response["Referrer-Policy"] == "no-referrer"
    assert not made.link.accesses.exists()


def test_a_link_with_extra_path_gets_the_same_page(client, letter):
    made = make_link(letter)
    for path in (f"/l/{made.token}/extra/", f"/l/a/{made.token}/"):
        response = client.get(path)
        assert (response.status_code, response.content) == unavailable_page(client), path
        assert response["Cache-Control"] == "no-store"


def test_a_link_shows_the_corrected_letter_once_its_pdf_is_made(client, letter, practitioner):
    shared = make_link(letter)
    correction = write_letter(client, letter.case, practitioner, account_of_progress="The corrected account.")
    client.post(reverse("letters:finalise", args=[letter.case.reference, correction.pk]))
    client.logout()

    # Version 2 is finalised but its PDF is still being made: the client reads version 1.
    page = open_letter(client, shared.token)
    page = client.get(page.url)
    assert "You noticed how Sam waited for you." in page.content.decode()
    assert "The corrected account." not in page.content.decode()

    correction.refresh_from_db()
    correction.pdf.save("v2.pdf", ContentFile(b"%PDF-1.7 version 2"), save=False)
    correction.render_status = TrajectLetter.RenderStatus.READY
    correction.save()

    page = client.get(reverse("letters:client_letter"))
    assert "The corrected account." in page.content.decode()
    pdf = client.get(reverse("letters:client_pdf"))
    assert b"".join(pdf.streaming_content) == b"%PDF-1.7 version 2"
    assert correction.download_name() in pdf["Content-Disposition"]
