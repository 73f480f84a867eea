"""Browser tests: the OS's Chromium driven through Playwright's sync API.

Loaded from the root conftest (``pytest_plugins``). We use Playwright directly
rather than the pytest-playwright plugin because that plugin expects the
browsers Playwright downloads itself, and our machines have no internet beyond
package registries: Chromium comes from the OS (``bin/setup --browser``).

Fixtures:

- ``browser``: one headless Chromium for the whole session.
- ``page``: a fresh context and tab per test, sized like a tablet; a failing
  test leaves a screenshot in ``test-results/<test name>.png``.
- ``log_in``: log a user in through the real log-in form, and the real
  two-factor code page for a user who needs one (vig/testing/two_factor.py).

Every browser test requests ``live_server`` (directly or through ``log_in``),
which makes its database transactional: the server thread must see the rows
the test writes.
"""

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from accounts.tests.factories import PASSWORD

from . import two_factor

CHROMIUM_ARGS = [
    "--no-sandbox",  # the machines run tests as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # No network here: without these Chromium keeps retrying its own
    # background connections (updates, sync, field trials) for the whole run.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",  # small /dev/shm in containers
]
VIEWPORT = {"width": 1024, "height": 768}  # a tablet in landscape
DEFAULT_TIMEOUT_MS = 10_000
_reports = pytest.StashKey[dict[str, pytest.TestReport]]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[pytest.TestReport]:
    """Keep each phase's report on the test, so `page` knows at teardown whether it failed."""
    report = yield
    item.stash.setdefault(_reports, {})[report.when] = report
    return report


def _services_required() -> bool:
    """True where a missing browser must fail the run rather than skip (CI, bin/test with services)."""
    truthy = {"1", "true", "yes", "on"}
    return (
        os.environ.get("VIG_REQUIRE_SERVICES", "").strip().lower() in truthy
        or os.environ.get("CI", "").strip().lower() in truthy
    )


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = os.environ.get("VIG_CHROMIUM", "/usr/bin/chromium")
    found = shutil.which(executable)
    if found is None:
        message = f"Chromium not found at {executable}; bin/test installs it"
        if _services_required():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)

    with pytest.MonkeyPatch.context() as mp:
        # Playwright's sync API runs an asyncio event loop in this thread (in a
        # greenlet it switches to on every call), so from here on Django sees a
        # "running loop" and its ORM raises SynchronousOnlyOperation in the
        # test's own code: fixtures, factories, assertions on stored rows. Our
        # code never actually runs inside that loop, so the guard is a false
        # alarm here. It must stay off for as long as Playwright runs, which is
        # until the end of the session; pytest-django runs transactional tests
        # (browser tests among them) last, so few other tests share it.
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=found, headless=True, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()


def _screenshot_path(request: pytest.FixtureRequest) -> Path:
    name = re.sub(r"[^\w.-]+", "_", request.node.name).strip("_")
    return request.config.rootpath / "test-results" / f"{name}.png"


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORT, locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    tab = context.new_page()
    _wait_for_function = tab.wait_for_function

    def wait_for_function(expression: str, *args, **kwargs):
        # Playwright polls a bare expression with eval() inside the page, which
        # our Content-Security-Policy refuses (no 'unsafe-eval'); a function it
        # calls directly. So "x > 1" is polled as "() => (x > 1)".
        if "=>" not in expression and not expression.lstrip().startswith(("function", "async")):
            expression = f"() => ({expression})"
        return _wait_for_function(expression, *args, **kwargs)

    tab.wait_for_function = wait_for_function
    try:
        yield tab
    finally:
        reports = request.node.stash.get(_reports, {})
        if any(report.failed for report in reports.values()):
            path = _screenshot_path(request)
            path.parent.mkdir(exist_ok=True)
            try:
                tab.screenshot(path=path, full_page=True)
            except PlaywrightError as error:  # a crashed tab must not hide the test's own failure
                print(f"No screenshot for {request.node.nodeid}: {error}")
        context.close()


@pytest.fixture
def log_in(page: Page, live_server) -> Callable[..., Page]:
    """Log a user in through the log-in form, as a person would; returns the page, now on the caseload.

    Going through the form, not a session cookie, keeps the log-in template
    and django-axes (which wraps authentication) under test in a real browser.
    A user who needs a second factor (supervisors, administrators) gets an
    authenticator app if they have none, and the code it shows is typed into
    the real code page.
    """

    def _log_in(user, password: str = PASSWORD) -> Page:
        device = two_factor.device_for(user) if two_factor.needs_second_factor(user) else None
        page.goto(live_server.url + reverse("login"))
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        caseload = page.get_by_role("heading", level=1, name=re.compile("caseload", re.IGNORECASE))
        refused = page.locator("main .alert-danger, main .invalid-feedback")
        if device is not None:
            code_page = page.get_by_role("heading", level=1, name="Enter your code")
            expect(code_page.or_(refused).first).to_be_visible()
            if not refused.count():
                page.get_by_label("Code from your authenticator app").fill(two_factor.code_for(device))
                page.get_by_role("button", name="Continue").click()
        expect(caseload.or_(refused).first).to_be_visible()
        if refused.count():
            pytest.fail(f"Log-in as {user.username} failed: {refused.first.inner_text()}", pytrace=False)
        return page

    return _log_in
