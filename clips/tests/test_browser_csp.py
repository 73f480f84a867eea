"""The main pages under the real Content-Security-Policy in Chromium: nothing refused.

The browser reports every CSP refusal as a `securitypolicyviolation` event and
a console error; both are collected while a supervisor (through the real code
page) and the practitioner open the case, film, micro-analysis and shared
review pages of a film processed by the real pipeline.
"""

import pytest
from playwright.sync_api import Page, expect

from cases.models import Consent
from cases.tests.factories import ConsentFactory
from clips import pipeline
from clips.models import Film
from clips.tests.test_pipeline import waiting_film
from letters import services as letter_services
from letters.models import TrajectLetter

pytestmark = pytest.mark.browser

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error("CSP violation: " + event.violatedDirective + " " + event.blockedURI);
});
"""


def watch_for_violations(page: Page) -> list[str]:
    violations = []
    page.add_init_script(REPORT_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "CSP violation" in message.text or "Content Security Policy" in message.text
            else None
        ),
    )
    return violations


def open_and_settle(page: Page, url: str, heading: str) -> None:
    page.goto(url)
    expect(page.get_by_role("heading", level=1).first).to_contain_text(heading)
    page.wait_for_load_state("networkidle")


@pytest.fixture
def ready_film(case, numbered_film):
    film = waiting_film(case, numbered_film)
    pipeline.process_film(film.pk)
    film.refresh_from_db()
    assert film.status == Film.Status.READY
    return film


def test_the_case_and_film_pages_break_no_rule_for_a_supervisor(
    live_server, page, log_in, supervisor, case, ready_film
):
    ConsentFactory(case=case, purpose=Consent.Purpose.SUPERVISION)
    violations = watch_for_violations(page)
    log_in(supervisor)  # password, then the code page

    open_and_settle(page, live_server.url + case.get_absolute_url(), case.reference)
    open_and_settle(page, live_server.url + ready_film.get_absolute_url(), "Film of")
    expect(page.locator(".thumbnail-strip .thumbnail").first).to_be_visible()

    assert violations == []


def test_the_practitioner_s_film_pages_break_no_rule(live_server, page, log_in, practitioner, case, ready_film):
    violations = watch_for_violations(page)
    log_in(practitioner)
    base = live_server.url + f"/cases/{case.reference}/films/"

    open_and_settle(page, base + "new/", "Upload a film")
    open_and_settle(page, base + f"{ready_film.pk}/analyse/", "Micro-analysis")
    page.wait_for_function("() => document.getElementById('analysis-video').readyState >= 2")
    open_and_settle(page, base + f"{ready_film.pk}/review/", "Shared review")
    open_and_settle(page, live_server.url + "/account/two-factor/set-up/", "Set up two-factor")

    assert violations == []


def test_the_letter_preview_is_styled_from_its_own_stylesheet(live_server, page, log_in, practitioner, case):
    letter = TrajectLetter.objects.create(case=case, created_by=practitioner)
    letter.content = letter_services.build_content(letter)
    letter.save()
    violations = watch_for_violations(page)
    log_in(practitioner)

    page.goto(live_server.url + f"/cases/{case.reference}/letter/{letter.pk}/preview/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Traject Letter")
    page.wait_for_load_state("networkidle")

    # letter-screen.css's rules applied (a column as wide as A4): the stylesheet loaded under the CSP.
    assert page.locator("body").evaluate("b => getComputedStyle(b).maxWidth") == "793.701px"
    assert violations == []


def test_a_violation_would_be_seen(live_server, page, log_in, practitioner):
    """The watch above can fail: an inline style attribute, as a template might add, is reported."""
    watch_for_violations(page)
    log_in(practitioner)
    with page.expect_console_message(lambda message: "CSP violation" in message.text) as reported:
        page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">inline</p>')")
    assert "style-src" in reported.value.text
