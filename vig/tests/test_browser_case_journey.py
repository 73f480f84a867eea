"""A practitioner's first session with a new case, in a real browser.

Through the pages as a person uses them: the log-in form, the caseload, the
new-case form, the Helping Question, goals and their ratings, consent. The
locators are accessible names (roles and labels), so a control a screen reader
cannot name is a control these tests cannot find.
"""

import datetime
import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

# Last year's date on purpose: the reference takes its year from the day the
# case opened, not from today.
OPENED_ON = datetime.date(2025, 11, 3)
REFERENCE = "VIG-2025-0001"
GOALS = [
    # (goal, baseline, hoped for); not 0, 5 or 10, which the chart's axis also shows.
    ("I stay calm when Sam gets upset at bedtime", 3, 8),
    ("Sam and I enjoy playing together after school", 4, 7),
]


def _back_to_case(page: Page) -> None:
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name=REFERENCE).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(REFERENCE)


def test_a_practitioner_opens_a_case_and_records_the_first_meeting(log_in, practitioner):
    page = log_in(practitioner)
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="My caseload", level=1)).to_be_visible()

    main.get_by_role("link", name="New case", exact=True).click()
    expect(page.get_by_role("heading", name="New case", level=1)).to_be_visible()
    client = page.get_by_role("group", name="Client")
    client.get_by_label("Client's name").fill("Alex Morgan")
    client.get_by_label("Relationship to child").fill("mother")
    child = page.get_by_role("group", name="Child")
    child.get_by_label("Child's first name or initials").fill("Sam")
    child.get_by_label("Age at referral").fill("6")
    child.get_by_label("School or setting").fill("Riverside Primary")
    case = page.get_by_role("group", name="Case")
    case.get_by_label("Status").select_option(label="Active")
    # Within the Case group, so "School or setting" in Child does not match too.
    case.get_by_label("Setting").select_option(label="Home")
    case.get_by_label("Opened on").fill(OPENED_ON.isoformat())
    page.get_by_role("button", name="Open case").click()

    expect(page).to_have_url(re.compile(re.escape(reverse("cases:detail", args=[REFERENCE])) + "$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(REFERENCE)
    expect(page.get_by_role("status")).to_contain_text(f"Case {REFERENCE} opened.")
    expect(main).to_contain_text("Alex Morgan (mother) and Sam, aged 6 at referral")

    helping_question = page.get_by_role("region", name="Helping Question")
    helping_question.get_by_role("link", name="Write it").click()
    page.get_by_label("Helping Question").fill("How can I help Sam to settle at bedtime?")
    page.get_by_role("button", name="Save Helping Question").click()
    expect(helping_question).to_contain_text("“How can I help Sam to settle at bedtime?”")

    goals = page.get_by_role("region", name="Goals and ratings")
    for description, _, _ in GOALS:
        goals.get_by_role("link", name="Add goal").click()
        page.get_by_label("Goal").fill(description)
        page.get_by_role("button", name="Save goal").click()
        # A new goal leads straight to rating it; rate them all at once below.
        expect(page.get_by_role("heading", name="Rate goals", level=1)).to_be_visible()
        _back_to_case(page)

    goals.get_by_role("link", name="Rate goals").click()
    for description, baseline, hoped_for in GOALS:
        page.get_by_label(f"{description}: Where I am now (start)").fill(str(baseline))
        page.get_by_label(f"{description}: Where I hope to get to").fill(str(hoped_for))
    page.get_by_role("button", name="Save ratings").click()
    expect(page.get_by_role("status")).to_contain_text("Ratings saved.")

    for number, (description, baseline, hoped_for) in enumerate(GOALS, start=1):
        goal = goals.get_by_role("article", name=f"{number}. {description}")
        chart = goal.locator("svg.goal-chart")
        expect(chart).to_be_visible()
        expect(chart.locator("text").filter(has_text=re.compile(rf"^{baseline}$"))).to_be_visible()
        expect(chart.locator("text").filter(has_text=f"Hoped for {hoped_for}")).to_be_visible()
        # What a screen reader says instead of the picture.
        chart_image = goal.get_by_role("img")
        expect(chart_image).to_have_accessible_name(f"Ratings for the goal: {description}")
        expect(chart_image).to_have_accessible_description(
            f"Start {baseline}; hoped for {hoped_for}. Scores are out of 10."
        )

    consent = page.get_by_role("region", name="Consent")
    consent.get_by_role("link", name="Record consent").click()
    page.get_by_label("Purpose").select_option(label="Filming")
    expect(page.get_by_label("Given by")).to_have_value("Alex Morgan")
    page.get_by_role("button", name="Record consent").click()
    expect(page.get_by_role("status")).to_contain_text("Consent recorded: Filming.")
    filming = consent.get_by_role("listitem").filter(has_text="Filming")
    expect(filming).to_contain_text("Given:")
    expect(filming).to_contain_text("Given by Alex Morgan")


def test_the_teams_supervisor_reads_the_case_but_cannot_change_it(log_in, supervisor, case):
    page = log_in(supervisor)
    page.get_by_role("main").get_by_role("link", name=case.reference).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(case.reference)
    expect(page.get_by_role("note")).to_have_text(
        f"You are reading this case. Only {case.practitioner.display_name} changes its record."
    )
    expect(page.get_by_role("link", name="Edit case")).to_have_count(0)
    expect(page.get_by_role("link", name="Add goal")).to_have_count(0)
    expect(page.get_by_role("link", name="Record consent")).to_have_count(0)


def test_the_first_tab_on_the_login_page_reaches_the_skip_link(page, live_server):
    page.goto(live_server.url + reverse("login"))

    page.keyboard.press("Tab")

    # Focus moves at once: no need to wait the full expect timeout to fail.
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused(timeout=1_000)


def test_the_skip_link_takes_a_keyboard_user_to_the_main_content(log_in, practitioner):
    page = log_in(practitioner)

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_role("main")).to_be_focused()
