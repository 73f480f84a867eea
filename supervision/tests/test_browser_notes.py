"""A supervisor asks on a case; the practitioner finds the question on their supervision page and answers.

In a real browser, through accessible names, as a person (or a screen reader) would.
"""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

QUESTION = "Which moment in the last film best answers the Helping Question?"
ANSWER = "The second clip, when Sam showed me the tower."


def test_a_supervisors_note_is_found_and_answered_by_the_practitioner(
    log_in, live_server, case, supervisor, practitioner
):
    page = log_in(supervisor)
    page.goto(live_server.url + case.get_absolute_url())
    page.get_by_label("New supervision note").fill(QUESTION)
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_role("article").filter(has_text=QUESTION)).to_contain_text(
        "Waiting for the practitioner's answer"
    )

    page = log_in(practitioner)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Supervision").click()
    expect(page.get_by_role("heading", name="My supervision", level=1)).to_be_visible()
    page.get_by_role("link", name=case.reference).click()
    thread = page.get_by_role("article").filter(has_text=QUESTION)
    expect(thread).to_contain_text("Waiting for your answer")
    thread.get_by_label("Answer this note").fill(ANSWER)
    thread.get_by_role("button", name="Answer").click()

    answered = page.get_by_role("article").filter(has_text=QUESTION)
    expect(answered).to_contain_text(ANSWER)
    expect(answered).not_to_contain_text("Waiting for your answer")
    expect(page.get_by_role("heading", name="Supervision notes", level=2)).not_to_contain_text("waiting")
