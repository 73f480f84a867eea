"""A supervisor's first log-in in Chromium: password, setting up the app from the page's key, recovery codes."""

import base64
import re

import pytest
from django.urls import reverse
from django_otp.oath import totp
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_a_supervisor_sets_up_an_app_at_their_first_log_in(live_server, page, supervisor):
    page.goto(live_server.url + reverse("login"))
    page.get_by_label("Username").fill(supervisor.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor authentication")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    # What a person types into their app, and the code the app then shows.
    key = page.locator("#otp-secret").inner_text().replace(" ", "")
    secret = base64.b32decode(key + "=" * (-len(key) % 8))
    page.get_by_label("Code from your authenticator app").fill(f"{totp(secret, t0=0, step=30, digits=6):06d}")
    page.get_by_role("button", name="Turn on").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-7]{8}", code) for code in codes)
    page.get_by_role("link", name="I have kept them, continue").click()
    expect(page.get_by_role("heading", level=1, name=re.compile("caseload", re.IGNORECASE))).to_be_visible()
