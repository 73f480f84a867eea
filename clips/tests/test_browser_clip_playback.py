"""A cut clip in the OS's Chromium: it loads, plays, and shows exactly its marked frames.

The clip is cut from the numbered playback copy (media_factory) and served to
the page by Playwright itself (page.route) under a made-up origin, with byte
ranges as a web server would; the page draws the video into a canvas and reads
the frame number from the 16 blocks across the top, as read_frame_number does.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route

from clips import cutting

pytestmark = pytest.mark.browser

ORIGIN = "http://clips.test"
RATE = 25
MARKS = {  # the numbered playback copy has 100 frames, a keyframe every 25
    "head_then_copy": (37, 80),  # 37-49 re-encoded, then copied from the keyframe at 50
    "copy_only": (50, 99),
    "head_only": (3, 20),
}

PAGE = """<!doctype html>
<html><body>
<video id="clip" src="/clip.mp4" muted playsinline preload="auto" width="320" height="240"></video>
<script>
  // read_frame_number, in the browser: 16 blocks across the top eighth, most significant bit first.
  function frameNumber() {
    const video = document.getElementById("clip");
    const canvas = document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    const context = canvas.getContext("2d", {willReadFrequently: true});
    context.drawImage(video, 0, 0);
    const band = canvas.height / 8, block = canvas.width / 16;
    const top = Math.round(band * 0.25), bottom = Math.round(band * 0.75);
    let number = 0;
    for (let i = 0; i < 16; i++) {
      const left = Math.round((i + 0.25) * block), right = Math.round((i + 0.75) * block);
      const pixels = context.getImageData(left, top, right - left, bottom - top).data;
      let sum = 0;
      for (let p = 0; p < pixels.length; p += 4) {
        sum += 0.299 * pixels[p] + 0.587 * pixels[p + 1] + 0.114 * pixels[p + 2];
      }
      const level = sum / (pixels.length / 4);
      if (level > 60 && level < 195) return null;  // not a numbered frame
      number = number * 2 + (level >= 128 ? 1 : 0);
    }
    return number;
  }
  function seekTo(seconds) {
    const video = document.getElementById("clip");
    return new Promise(resolve => {
      video.addEventListener("seeked", () => resolve(video.currentTime), {once: true});
      video.currentTime = seconds;
    });
  }
</script>
</body></html>
"""


def serve(route: Route, clip: Path) -> None:
    """The page, or the clip with byte ranges (a media element asks for them to seek)."""
    if not route.request.url.endswith("/clip.mp4"):
        route.fulfill(status=200, content_type="text/html", body=PAGE)
        return
    data = clip.read_bytes()
    asked = re.fullmatch(r"bytes=(\d+)-(\d*)", route.request.headers.get("range", ""))
    if not asked:
        route.fulfill(status=200, headers={"Content-Type": "video/mp4", "Accept-Ranges": "bytes"}, body=data)
        return
    first = int(asked.group(1))
    last = min(int(asked.group(2)) if asked.group(2) else len(data) - 1, len(data) - 1)
    headers = {
        "Content-Type": "video/mp4",
        "Accept-Ranges": "bytes",
        "Content-Range": f"bytes {first}-{last}/{len(data)}",
    }
    route.fulfill(status=206, headers=headers, body=data[first : last + 1])


@pytest.mark.parametrize(("start", "end"), MARKS.values(), ids=MARKS.keys())
def test_a_clip_plays_in_chromium_from_its_first_marked_frame_to_its_last(
    page: Page, numbered_playback, tmp_path, settings, transactional_db, start, end
):
    """(transactional_db only sorts this test with the other browser tests, last in the run:
    see vig/testing/browser.py.)"""
    settings.VIG_SCRATCH_DIR = tmp_path / "scratch"
    clip = tmp_path / "clip.mp4"
    cutting.cut_clip(numbered_playback, clip, start_frame=start, end_frame=end, frame_rate=RATE, has_audio=True)
    page.route(f"{ORIGIN}/**", lambda route: serve(route, clip))
    page.goto(f"{ORIGIN}/")
    page.wait_for_function("document.getElementById('clip').readyState >= 2")  # HAVE_CURRENT_DATA

    assert page.evaluate("document.getElementById('clip').currentTime") == 0
    assert page.evaluate("frameNumber()") == start
    duration = page.evaluate("document.getElementById('clip').duration")
    assert duration == pytest.approx((end - start + 1) / RATE, abs=1.5 / RATE)

    page.evaluate("document.getElementById('clip').play()")
    page.wait_for_function("document.getElementById('clip').currentTime > 0.2")
    assert page.evaluate("document.getElementById('clip').error") is None
    page.evaluate("document.getElementById('clip').pause()")

    page.evaluate(f"seekTo({(end - start + 0.5) / RATE})")  # the middle of the last frame's time
    assert page.evaluate("frameNumber()") == end
    page.evaluate("seekTo(0)")
    assert page.evaluate("frameNumber()") == start
