"""The export page in Chromium: the progress bar follows the worker, then the download appears."""

import re

import pytest
from playwright.sync_api import expect

from dataprotection.models import SubjectAccessExport

pytestmark = pytest.mark.browser


def test_the_progress_bar_moves_and_the_download_appears_when_ready(page, log_in, live_server, case, administrator):
    export = SubjectAccessExport.objects.create(
        client=case.client, requested_by=administrator, case_references=[case.reference]
    )
    log_in(administrator)
    page.goto(live_server.url + export.get_absolute_url())
    bar = page.get_by_role("progressbar", name="Export progress")
    expect(bar).to_have_attribute("aria-valuenow", "0")

    SubjectAccessExport.objects.filter(pk=export.pk).update(
        status=SubjectAccessExport.Status.BUILDING, progress=60, step="Adding the files"
    )
    expect(bar).to_have_attribute("aria-valuenow", "60")
    expect(page.locator("#export-status-text")).to_have_text(re.compile(r"Adding the files \(60%\)"))
    expect(bar.locator(".progress-bar")).to_have_attribute("style", re.compile(r"width: 60%"))

    SubjectAccessExport.objects.filter(pk=export.pk).update(status=SubjectAccessExport.Status.READY, progress=100)
    expect(page.get_by_role("link", name="Download the zip")).to_be_visible()
