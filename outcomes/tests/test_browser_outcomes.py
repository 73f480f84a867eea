"""A supervisor reads a team's outcomes in Chromium, on a tablet-sized screen, as a screen reader would."""

import pytest
from playwright.sync_api import expect

from .builders import closed_case, goal_with

pytestmark = pytest.mark.browser


def test_a_supervisor_finds_the_team_outcomes_and_chooses_a_period(live_server, log_in, supervisor, practitioner):
    case = closed_case(practitioner)
    goal_with(case, baseline=2, hoped_for=7, end=6)
    goal_with(case, baseline=4)
    page = log_in(supervisor)
    page.set_viewport_size({"width": 820, "height": 1180})

    page.goto(live_server.url + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Outcomes").click()
    page.get_by_role("link", name="North team").click()

    expect(page.get_by_role("heading", name="Outcomes: North team", level=1)).to_be_visible()
    expect(page.get_by_role("img", name="Number of goals by change in score from the start to the end")).to_be_visible()
    expect(page.get_by_role("img", name="Start and end scores, goals 1 to 2 of 2")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text(case.reference)
    expect(page.get_by_role("note")).to_contain_text("1 goal on 1 case has no end rating.")

    page.get_by_label("Closed from").fill("2020-01-01")
    page.get_by_label("Closed up to").fill("2020-12-31")
    page.get_by_role("button", name="Show").click()

    expect(page.get_by_text("Cases closed from 1 Jan 2020 to 31 Dec 2020")).to_be_visible()
    expect(page.get_by_text("No goals on cases closed in this period.")).to_be_visible()
