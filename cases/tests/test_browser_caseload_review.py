"""A supervisor reviews their team's caseload in a real browser: lands on it, filters it, opens a case read-only.

Found by labels, headings and roles, as a screen reader user would.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.tests.factories import CaseFactory
from sessions.summary import refresh_case_summaries
from sessions.tests.factories import SessionFactory
from sessions.tests.stages import film, started

pytestmark = pytest.mark.browser


def test_a_supervisor_finds_an_overdue_review_and_reads_the_case(log_in, supervisor, practitioner, other_practitioner):
    today = timezone.localdate()
    practitioner.first_name, practitioner.last_name = "Priya", "Shah"
    practitioner.save()
    late = started(CaseFactory(practitioner=practitioner, client__full_name="Lauren Hughes"))
    film(late, today - timedelta(days=20))
    on_time = started(CaseFactory(practitioner=practitioner, client__full_name="Gemma Roberts"))
    SessionFactory(case=on_time, kind="other", held_on=today - timedelta(days=2))
    hidden = CaseFactory(practitioner=other_practitioner, client__full_name="Someone Elsewhere")
    refresh_case_summaries()

    page = log_in(supervisor)

    expect(page.get_by_role("heading", level=1)).to_have_text("Caseload review")
    counts = page.get_by_role("table", name="Cases per practitioner")
    expect(counts.get_by_role("row", name="Priya Shah")).to_contain_text("2")
    expect(page.get_by_role("main")).not_to_contain_text(hidden.reference)

    page.get_by_label("Flag").select_option(label="Review overdue (film waiting over 14 days)")
    page.get_by_role("button", name="Show").click()

    expect(page).to_have_url(re.compile(r"[?&]flag=overdue"))
    cases = page.get_by_role("table", name="Cases of your teams")
    expect(cases.get_by_role("row").filter(has_text="Lauren Hughes")).to_contain_text("overdue since")
    expect(cases).not_to_contain_text("Gemma Roberts")

    cases.get_by_role("link", name=late.reference, exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(late.reference)
    expect(page.get_by_role("link", name="Edit case")).to_have_count(0)
