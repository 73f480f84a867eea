"""Micro-analysis with the keyboard, in Chromium, with a real worker cutting the clip.

The practitioner steps through the film frame by frame, marks in and out with
I and O, names the moment and saves with S; the clip is cut by the worker
while the page shows its status live, then plays in the shared review.
"""

import pytest
from playwright.sync_api import expect

from clips import pipeline
from clips.models import Clip, Film
from clips.tests.test_pipeline import waiting_film

pytestmark = [pytest.mark.browser, pytest.mark.worker]


@pytest.fixture
def ready_film(case, numbered_film):
    film = waiting_film(case, numbered_film)
    pipeline.process_film(film.pk)
    film.refresh_from_db()
    assert film.status == Film.Status.READY
    return film


def test_a_practitioner_marks_a_clip_with_the_keyboard_and_plays_it(
    celery_worker_process, principles, live_server, log_in, practitioner, case, ready_film
):
    page = log_in(practitioner)
    page.goto(f"{live_server.url}/cases/{case.reference}/films/{ready_film.pk}/analyse/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Micro-analysis")
    video = page.locator("#analysis-video")
    page.wait_for_function("document.getElementById('analysis-video').readyState >= 2")

    timecode = page.locator("#timecode")
    video.click()  # focus the player, not a form field
    page.keyboard.press("Home")
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    expect(timecode).to_contain_text("frame 10")
    page.keyboard.press("i")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    expect(timecode).to_contain_text("frame 60")
    page.keyboard.press("o")
    expect(page.locator("#id_start_frame")).to_have_value("10")
    expect(page.locator("#id_end_frame")).to_have_value("60")

    page.keyboard.press("s")  # marks set, caption empty: the caption box gets the focus
    expect(page.locator("#id_caption")).to_be_focused()
    page.keyboard.type("You waited, and Sam handed you the block")
    page.get_by_text("3. Receiving initiatives").click()
    page.get_by_label("Returning eye contact, smiling, nodding in response").check()
    page.get_by_role("button", name="Save clip").last.click()

    clip_item = page.locator(".clip-item").first
    expect(clip_item).to_contain_text("You waited, and Sam handed you the block")
    # The worker cuts it; the badge changes without a reload.
    expect(clip_item.locator(".clip-status")).to_have_text("Ready", timeout=60_000)

    clip = Clip.objects.get(film=ready_film)
    assert (clip.start_frame, clip.end_frame) == (10, 60)
    assert [str(tag) for tag in clip.tags.all()] == [
        "receiving initiatives: returning eye contact, smiling, nodding in response"
    ]

    page.get_by_role("link", name="Shared review").click()
    review = page.locator("#review-video")
    expect(page.locator("#review-caption")).to_have_text("You waited, and Sam handed you the block")
    page.evaluate("document.getElementById('review-video').muted = true")
    review.evaluate("v => v.play()")
    page.wait_for_function("document.getElementById('review-video').currentTime > 0.3")
    assert review.evaluate("v => v.duration") == pytest.approx(51 / 25, abs=0.05)
