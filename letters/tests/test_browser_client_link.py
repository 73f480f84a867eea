"""The practitioner finalises and shares the letter; the client, in a browser of their own, opens and downloads it.

Chromium through Playwright, with a real Celery worker making the PDF by the
same path as in production (finalise → on-commit task → WeasyPrint).
"""

import re
import shutil
import subprocess
import time

import pytest
from playwright.sync_api import expect

from letters import services
from letters.models import ClientLink, ClientLinkAccess, TrajectLetter
from letters.tests.conftest import ACCOUNT

pytestmark = [pytest.mark.browser, pytest.mark.worker]

PHONE = {"width": 390, "height": 844}
PDF_WAIT_SECONDS = 120


def wait_for_pdf(page):
    """Reload the letter's page until the worker has made the PDF (the page says to reload)."""
    download = page.get_by_role("link", name="Download the PDF")
    deadline = time.monotonic() + PDF_WAIT_SECONDS
    while not download.count():
        assert time.monotonic() < deadline, "the worker did not make the PDF"
        assert not page.get_by_text("could not be made").count(), "the PDF failed"
        time.sleep(1)
        page.reload()


def test_the_practitioner_shares_the_letter_and_the_client_opens_and_downloads_it(
    celery_worker_process, live_server, log_in, browser, practitioner, full_case, tmp_path
):
    draft = TrajectLetter.objects.create(
        case=full_case, created_by=practitioner, account_of_progress=ACCOUNT, ideas_for_future="Keep reading together."
    )
    draft.stills.set(services.ready_stills(full_case))

    # The practitioner finalises the letter and waits for its PDF.
    page = log_in(practitioner)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(live_server.url + draft.get_absolute_url())
    page.get_by_role("button", name="Finalise the letter").click()
    expect(page.get_by_role("status")).to_contain_text("finalised")
    wait_for_pdf(page)

    # …then makes a link with a passcode, and copies it.
    page.get_by_role("link", name="Share with the client").click()
    page.get_by_label("The link works for").select_option(label="14 days")
    page.get_by_label("Protect the link with a passcode").check()
    page.get_by_role("button", name="Make the link").click()
    url = page.get_by_label("Link for the client").input_value()
    assert re.fullmatch(re.escape(live_server.url) + r"/l/[A-Za-z0-9_-]{43}/", url)
    passcode = page.locator("#client-link-passcode").inner_text()
    expect(page.get_by_role("img", name="QR code of the link")).to_be_visible()
    page.get_by_role("button", name="Copy the link").click()
    expect(page.locator("#client-link-copied")).to_contain_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == url

    # The client: a fresh browser (a phone), with nothing of the practitioner's session.
    phone = browser.new_context(viewport=PHONE, locale="en-GB", timezone_id="Europe/London", accept_downloads=True)
    try:
        client = phone.new_page()
        client.goto(url)
        token = url.rstrip("/").rsplit("/", 1)[1]
        assert token not in client.url
        expect(client.get_by_role("heading", name="Your Traject Letter")).to_be_visible()
        client.get_by_label("Passcode").fill(passcode)
        client.get_by_role("button", name="Open your letter").click()

        expect(client.get_by_role("heading", name="Traject Letter", level=1)).to_be_visible()
        assert client.url == live_server.url + "/letter/read/"
        expect(client.get_by_text("You noticed how Sam waited for you.")).to_be_visible()
        expect(client.get_by_role("img", name=re.compile("Sam looks up at you"))).to_be_visible()
        # Readable on a phone: nothing wider than the screen.
        assert client.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert client.get_by_role("link").count() == 1  # the download, and nothing else of the system

        with client.expect_download() as info:
            client.get_by_role("link", name="Download your letter (PDF)").click()
        saved = tmp_path / info.value.suggested_filename
        info.value.save_as(saved)
    finally:
        phone.close()

    assert saved.read_bytes().startswith(b"%PDF-")
    text = subprocess.run(
        [shutil.which("pdftotext"), str(saved), "-"], check=True, capture_output=True, text=True
    ).stdout
    flat = " ".join(text.split())
    assert "You noticed how Sam waited for you." in flat and "Keep reading together." in flat

    # The practitioner sees the opening.
    link = ClientLink.objects.get()
    assert list(link.accesses.order_by("at").values_list("kind", flat=True)) == [
        ClientLinkAccess.Kind.OPENED,
        ClientLinkAccess.Kind.DOWNLOADED,
    ]
    page.goto(live_server.url + draft.get_absolute_url())
    expect(page.locator("#client-links")).to_contain_text("opened 1 time, last on")
