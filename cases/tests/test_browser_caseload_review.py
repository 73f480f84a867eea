"""A supervisor reviews their team's caseload in a real browser: lands on it, filters it to the
overdue cases, opens one read-only, watches its clip and leaves a supervision note that the
practitioner then sees on the case.

Found by labels, headings and roles, as a screen reader user would. The clip is a real H.264
file made by ffmpeg, played by Chromium through the access-checked media view.
"""

import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Consent
from cases.tests.factories import CaseFactory, ConsentFactory
from clips.tests.factories import ClipFactory
from sessions.summary import refresh_case_summaries
from sessions.tests.factories import SessionFactory
from sessions.tests.stages import film, started

pytestmark = pytest.mark.browser

NOTE = "The clip where Lauren waits for Sam: can we look at it together on Thursday?"


def real_clip(tmp_path) -> bytes:
    """Two seconds of H.264 in MP4, as the clip pipeline makes them (ffmpeg from the OS)."""
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg, "ffmpeg is needed (bin/setup installs it)"
    out = tmp_path / "clip.mp4"
    subprocess.run(
        [ffmpeg, "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-t", "2"]
        + ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(out)],
        check=True,
    )
    return out.read_bytes()


def test_a_supervisor_finds_an_overdue_case_watches_its_clip_and_leaves_a_note_the_practitioner_sees(
    log_in, supervisor, practitioner, other_practitioner, tmp_path
):
    today = timezone.localdate()
    practitioner.first_name, practitioner.last_name = "Priya", "Shah"
    practitioner.save()
    late = started(CaseFactory(practitioner=practitioner, client__full_name="Lauren Hughes"))
    waiting = film(late, today - timedelta(days=20), clips=0)
    ClipFactory(film=waiting, caption="You wait, and Sam looks up", video=ContentFile(real_clip(tmp_path), "clip.mp4"))
    ConsentFactory(case=late, purpose=Consent.Purpose.SUPERVISION)
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

    # The clip, shown because the client agreed to its use in supervision.
    page.get_by_role("link", name=re.compile(r"^Film 1:")).click()
    page.get_by_role("link", name="Shared review").click()
    expect(page.get_by_role("button", name="1. You wait, and Sam looks up")).to_be_visible()
    video = page.locator("#review-video")
    video.evaluate("v => { v.muted = true; return v.play(); }")
    page.wait_for_function("document.getElementById('review-video').currentTime > 0.5")

    page.go_back()
    page.go_back()
    page.get_by_label("New supervision note").fill(NOTE)
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_role("article").filter(has_text=NOTE)).to_contain_text("Waiting for the practitioner's answer")

    page = log_in(practitioner)
    page.get_by_role("link", name=late.reference, exact=True).first.click()
    expect(page.get_by_role("article").filter(has_text=NOTE)).to_contain_text("Waiting for your answer")
