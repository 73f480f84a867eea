"""Every form, fuzzed through its view with Hypothesis: no input gives a server error.

For each form page, the fields are read from the page's own HTML (so a new
field is fuzzed without a change here), and each example posts arbitrary
values: any text with NUL bytes and other control characters, huge strings,
numbers far out of range, impossible dates, look-alike digits. Whatever comes
back must be either a redirect (the input happened to be valid) or the form
again, with an error message, and nothing written. Each example runs in a
savepoint that is rolled back, so examples do not see each other's writes.

Kept small (a few dozen examples per form) so the suite stays quick; raise
HYPOTHESIS_PROFILE=fuzz for a long run.
"""

import json
import os
import re
from html.parser import HTMLParser

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.models import AuditEvent
from vig.tests.test_role_matrix import url_for, world  # noqa: F401  (world is a fixture)

settings.register_profile(
    "default-fuzz",
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,  # the same examples on every run: a failure here is never a fluke
    database=None,
)
settings.register_profile(
    "fuzz",
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "default-fuzz")

NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "-1",
    "-0",
    "11",
    "2147483648",
    "99999999999999999999999999",
    "1e309",
    "NaN",
    "inf",
    "0x10",
    "3.5",
    "2026-02-30",
    "0000-00-00",
    "9999-12-31",
    "31/12/2026",
    "25:61",
    "١٢٣",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\u202eevil",
    "\ud7ff\U0010ffff",
    "00000000-0000-0000-0000-000000000000",
]
values = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.integers().map(str),
    st.builds(lambda char, n: char * n, st.characters(), st.integers(1_000, 200_000)),
)

# (form page, where it posts, who fills it in). The page's form(s) posting to the target give the fields.
FORMS = [
    ("cases:create", "cases:create", "owner"),
    ("cases:create", "cases:create", "administrator"),
    ("cases:edit", "cases:edit", "owner"),
    ("cases:edit", "cases:edit", "administrator"),
    ("cases:helping_question", "cases:helping_question", "owner"),
    ("cases:goal_create", "cases:goal_create", "owner"),
    ("cases:goal_edit", "cases:goal_edit", "owner"),
    ("cases:ratings", "cases:ratings", "owner"),
    ("cases:descriptions", "cases:descriptions", "owner"),
    ("cases:consent_create", "cases:consent_create", "owner"),
    ("cases:consent_withdraw", "cases:consent_withdraw", "owner"),
    ("clips:film_upload", "clips:film_upload", "owner"),
    ("clips:analyse", "clips:clip_create", "owner"),
    ("clips:analyse", "clips:annotation_create", "owner"),
    ("clips:clip_edit", "clips:clip_edit", "owner"),
    ("clips:analyse", "clips:still_create", "owner"),
    ("vig_sessions:session_create", "vig_sessions:session_create", "owner"),
    ("vig_sessions:session_edit", "vig_sessions:session_edit", "owner"),
    ("vig_sessions:review_create", "vig_sessions:review_create", "owner"),
    ("vig_sessions:review_edit", "vig_sessions:review_edit", "owner"),
    ("vig_sessions:case_close", "vig_sessions:case_close", "owner"),
    ("letters:detail", "letters:detail", "owner"),
    ("letters:link_create", "letters:link_create", "owner"),
    ("supervision:case_notes", "supervision:note_create", "owner"),
    ("supervision:case_notes", "supervision:note_create", "supervisor"),
    ("supervision:session_create", "supervision:session_create", "supervisor"),
    ("supervision:session_edit", "supervision:session_edit", "supervisor"),
    ("dataprotection:erase", "dataprotection:erase", "administrator"),
    ("password_change", "password_change", "owner"),
    ("accounts:two_factor_enrol", "accounts:two_factor_enrol", "other_practitioner"),
    ("login", "login", "anonymous"),
    ("password_reset", "password_reset", "anonymous"),
]

# Crispy's field errors, Django's error lists, our alerts (messages and inline errors carry role="alert").
ERROR_MARKS = ("invalid-feedback", "errorlist", "alert-danger", "is-invalid", 'role="alert"')
WRITES = [AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE, AuditEvent.Action.DELETE]


class FormFields(HTMLParser):
    """The names of the fields of each <form> on a page, by the form's action."""

    def __init__(self):
        super().__init__()
        self.forms: dict[str, set[str]] = {}
        self._action = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._action = attrs.get("action") or ""
            self.forms.setdefault(self._action, set())
        elif tag in {"input", "textarea", "select"} and self._action is not None and attrs.get("name"):
            if attrs["name"] != "csrfmiddlewaretoken" and attrs.get("type") not in {"submit", "button"}:
                self.forms[self._action].add(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._action = None


def fields_of(html: str, page_url: str, target_url: str) -> list[str]:
    parser = FormFields()
    parser.feed(html)
    names = set()
    for action, fields in parser.forms.items():
        if action.split("#")[0] in {target_url, ""} and (action or page_url == target_url):
            names |= fields
    return sorted(names)


def refused_with_a_message(response) -> bool:
    if response.get("Content-Type", "").startswith("application/json"):
        return bool(json.loads(response.content).get("errors"))
    body = response.content.decode()
    return any(mark in body for mark in ERROR_MARKS)


@pytest.mark.parametrize("page,target,role", FORMS, ids=[f"{t}-{r}" for _, t, r in FORMS])
def test_no_input_breaks_a_form(client, world, page, target, role):  # noqa: F811
    users, kwargs = world
    if users[role] is not None:
        client.force_login(users[role])
    page_url, target_url = url_for(page, kwargs), url_for(target, kwargs)
    response = client.get(page_url)
    assert response.status_code == 200
    html = response.content.decode()
    names = fields_of(html, page_url, target_url)
    assert names, f"no fields found for {target} on {page}"
    # As a browser does: the form's CSRF token goes with every post, so no post is ever empty.
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    strategy = st.fixed_dictionaries(
        {}, optional={name: st.one_of(values, st.lists(values, max_size=3)) for name in names}
    )

    @settings(settings.get_profile(PROFILE))
    @given(data=strategy)
    def post_anything(data):
        with transaction.atomic():
            writes_before = AuditEvent.objects.filter(action__in=WRITES).count()
            response = client.post(target_url, {**data, "csrfmiddlewaretoken": token})
            assert response.status_code < 500
            if response.status_code not in (301, 302, 303):
                assert response.status_code in (200, 400), response.status_code
                assert refused_with_a_message(response), f"{target} refused {data!r} without saying why"
                assert AuditEvent.objects.filter(action__in=WRITES).count() == writes_before
            transaction.set_rollback(True)

    post_anything()


def test_the_field_finder_reads_the_case_form():
    html = (
        '<form method="post"><input name="csrfmiddlewaretoken">'
        '<input name="client-full_name"><select name="status"></select></form>'
    )
    assert fields_of(html, "/cases/new/", "/cases/new/") == ["client-full_name", "status"]


def test_a_login_refusal_counts_as_a_message(client, db):
    response = client.post(reverse("login"), {"username": "nobody", "password": "x"})
    assert refused_with_a_message(response)


# What the fuzzer found, kept as plain examples.

TOO_LARGE_ID = "9223372036854775808"  # 2**63: past the largest id the database holds


def test_a_clip_tagged_with_an_impossibly_large_element_id_is_refused_with_a_message(client, world):  # noqa: F811
    users, kwargs = world
    client.force_login(users["owner"])
    response = client.post(url_for("clips:clip_create", kwargs), {"elements": TOO_LARGE_ID})
    assert response.status_code == 400
    assert f"“{TOO_LARGE_ID}” is not a valid value." in response.content.decode()


@pytest.mark.parametrize("target,field", [("letters:detail", "stills"), ("vig_sessions:review_edit", "review-clips")])
def test_other_id_lists_refuse_an_impossibly_large_id(client, world, target, field):  # noqa: F811
    users, kwargs = world
    client.force_login(users["owner"])
    response = client.post(url_for(target, kwargs), {field: TOO_LARGE_ID})
    assert response.status_code in (200, 400)
    assert "is not a valid value" in response.content.decode()


def test_a_note_at_a_moment_past_the_film_s_end_says_why_it_was_refused(client, world):  # noqa: F811
    users, kwargs = world
    client.force_login(users["owner"])
    response = client.post(url_for("clips:annotation_create", kwargs), {"frame": "999999", "note": "x"})
    assert response.status_code == 400
    assert "Choose a moment in the film first." in response.content.decode()
