"""Upload → processing → play and seek, in Chromium, with a real worker and real ffmpeg.

The upload goes through tus-js-client (our page's script) to our tus server; the
film is processed by a real Celery worker; the video element then plays and
seeks through the access-checked Range view.
"""

import pytest
from playwright.sync_api import expect

from clips.models import Film

pytestmark = [pytest.mark.browser, pytest.mark.worker]


def test_a_practitioner_uploads_a_film_and_plays_it(
    celery_worker_process, live_server, log_in, practitioner, case, long_film
):
    page = log_in(practitioner)
    responses = []
    page.on("response", lambda r: responses.append(r) if "/media/playback/" in r.url else None)

    page.goto(live_server.url + case.get_absolute_url())
    page.get_by_role("link", name="Upload a film").click()
    expect(page.get_by_role("heading", name="Upload a film", level=1)).to_be_visible()

    page.get_by_label("Activity").fill("Building a tower with blocks")
    page.get_by_label("Home").check()
    page.locator("#film-file").set_input_files(str(long_film))
    expect(page.locator("#film-file-name")).to_contain_text("long.mp4")
    page.get_by_role("button", name="Upload film").click()

    # The film page: processing steps with a live bar, then the player, without a manual reload.
    expect(page.get_by_role("heading", name="Preparing the film")).to_be_visible(timeout=30_000)
    expect(page.locator("video#film-video")).to_be_visible(timeout=90_000)

    film = Film.objects.get(case=case)
    assert film.status == Film.Status.READY
    assert film.activity == "Building a tower with blocks"

    video = page.locator("video#film-video")
    # Play a little, then seek: Chromium asks for byte ranges, which the view answers with 206.
    page.evaluate("document.getElementById('film-video').muted = true")
    video.evaluate("v => v.play()")
    page.wait_for_function("document.getElementById('film-video').currentTime > 0.3")
    video.evaluate(
        "v => new Promise(resolve => { v.addEventListener('seeked', resolve, {once: true}); v.currentTime = 15; })"
    )
    assert video.evaluate("v => v.currentTime") == pytest.approx(15, abs=0.5)
    assert video.evaluate("v => v.readyState") >= 2, "a frame at the new position is decoded"
    assert any(r.status == 206 for r in responses), [r.status for r in responses]
    assert all(r.headers.get("cache-control", "").startswith("private") for r in responses)
