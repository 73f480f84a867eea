"""A film chosen before the upload page's script has run is still the film the page sends.

On a slow connection a practitioner can pick the file while film_upload.js is
still on its way; the browser's change event then fires with nobody
listening. Here the script is held back until the file has been chosen.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_film_chosen_before_the_script_runs_is_taken_up(live_server, log_in, practitioner, case, h264_film):
    page = log_in(practitioner)
    held = []
    page.route("**/js/film_upload.js", lambda route: held.append(route))

    page.goto(live_server.url + reverse("clips:film_upload", args=[case.reference]), wait_until="commit")
    page.locator("#film-file").wait_for(state="attached")  # parsed; the script after it is still held
    page.locator("#film-file").set_input_files(str(h264_film))
    expect(page.locator("#film-file-name")).to_have_text("")  # nothing has read the choice yet
    assert len(held) == 1
    held[0].continue_()

    expect(page.locator("#film-file-name")).to_contain_text(h264_film.name)
