"""Every URL, every role: who gets in, who gets a 403, who is told it does not exist.

The test walks the URLconf, so a new view without a row here fails the suite.
A case the user may not see answers 404, the same as a missing one; a case
they may read but not change (a supervisor) answers 403 to every write.
"""

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cases.models import Consent
from cases.tests.factories import ConsentFactory, GoalFactory
from clips.tests.factories import AnnotationFactory, ClipFactory, FilmFactory, FilmUploadFactory, StillFactory
from dataprotection.models import SubjectAccessExport
from letters import links as letter_links
from letters import services as letter_services
from letters.models import TrajectLetter
from sessions.tests.factories import SessionFactory, SharedReviewFactory
from supervision.models import SupervisionSession

ROLES = ["anonymous", "owner", "other_practitioner", "supervisor", "other_supervisor", "administrator"]

LOGIN = 302  # anonymous users are sent to the log-in page


def expect(anonymous, owner, other_practitioner, supervisor, other_supervisor, administrator):
    statuses = [anonymous, owner, other_practitioner, supervisor, other_supervisor, administrator]
    return dict(zip(ROLES, statuses, strict=True))


PUBLIC = expect(200, 200, 200, 200, 200, 200)
ANY_USER = expect(LOGIN, 200, 200, 200, 200, 200)
CASE_READ = expect(LOGIN, 200, 404, 200, 404, 200)
CASE_WRITE = expect(LOGIN, 200, 404, 403, 404, 200)
CASE_STAFF = expect(LOGIN, 403, 404, 200, 404, 200)
SUPERVISORS = expect(LOGIN, 403, 403, 200, 200, 200)
ADMINISTRATORS = expect(LOGIN, 403, 403, 403, 403, 200)

TUS_CREATE = {"Tus-Resumable": "1.0.0", "Upload-Length": "10"}

# url name -> (method, expected status per role[, request headers])
MATRIX = {
    "home": ("GET", expect(LOGIN, 302, 302, 302, 302, 302)),
    "healthz": ("GET", PUBLIC),
    "login": ("GET", PUBLIC),
    "logout": ("POST", expect(302, 302, 302, 302, 302, 302)),
    "password_change": ("GET", ANY_USER),
    "password_change_done": ("GET", ANY_USER),
    "password_reset": ("GET", PUBLIC),
    "password_reset_done": ("GET", PUBLIC),
    "password_reset_confirm": ("GET", PUBLIC),
    "password_reset_complete": ("GET", PUBLIC),
    "cases:list": ("GET", ANY_USER),
    # Caseload review (supervisor home): supervisors and administrators only.
    "cases:review": ("GET", SUPERVISORS),
    "cases:create": ("GET", ANY_USER),
    "cases:detail": ("GET", CASE_READ),
    "cases:edit": ("GET", CASE_WRITE),
    "cases:helping_question": ("GET", CASE_READ),
    "cases:goal_create": ("GET", CASE_WRITE),
    "cases:goal_edit": ("GET", CASE_WRITE),
    "cases:goal_delete": ("GET", CASE_WRITE),
    "cases:ratings": ("GET", CASE_WRITE),
    "cases:descriptions": ("GET", CASE_WRITE),
    "cases:consent_create": ("GET", CASE_WRITE),
    "cases:consent_withdraw": ("GET", CASE_WRITE),
    "cases:audit": ("GET", CASE_STAFF),
    "audit:list": ("GET", SUPERVISORS),
    "clips:film_upload": ("GET", CASE_WRITE),
    "clips:film_detail": ("GET", CASE_READ),
    "clips:film_status": ("GET", CASE_READ),
    "clips:film_retry": ("POST", expect(LOGIN, 302, 404, 403, 404, 302)),  # a ready film: told so, sent back
    "clips:film_delete": ("GET", CASE_WRITE),
    "clips:film_media": ("GET", CASE_READ),
    "clips:analyse": ("GET", CASE_WRITE),
    "clips:shared_review": ("GET", CASE_READ),
    "clips:clips_status": ("GET", CASE_READ),
    "clips:clip_edit": ("GET", CASE_WRITE),
    "clips:clip_delete": ("GET", CASE_WRITE),
    "clips:clip_media": ("GET", CASE_READ),
    "clips:still_image": ("GET", CASE_READ),
    # Empty posts: the writers get past the gate to a refusal of the empty data (400) or a redirect.
    "clips:clip_create": ("POST", expect(LOGIN, 400, 404, 403, 404, 400)),
    "clips:clips_reorder": ("POST", expect(LOGIN, 400, 404, 403, 404, 400)),
    "clips:clip_move": ("POST", expect(LOGIN, 400, 404, 403, 404, 400)),
    "clips:annotation_create": ("POST", expect(LOGIN, 400, 404, 403, 404, 400)),
    "clips:still_create": ("POST", expect(LOGIN, 302, 404, 403, 404, 302)),
    "clips:still_delete": ("POST", expect(LOGIN, 302, 404, 403, 404, 302)),
    "clips:annotation_delete": ("POST", expect(LOGIN, 302, 404, 403, 404, 302)),
    # tus answers 403 rather than a redirect to a log-in page a tus client cannot follow.
    "clips:tus_create": ("POST", expect(403, 201, 404, 403, 404, 201), TUS_CREATE),
    # An upload belongs to the user who started it: not even an administrator continues another's.
    "clips:tus_upload": ("HEAD", expect(403, 200, 404, 403, 404, 404), {"Tus-Resumable": "1.0.0"}),
    "vig_sessions:session_create": ("GET", CASE_WRITE),
    "vig_sessions:session_detail": ("GET", CASE_READ),
    "vig_sessions:session_edit": ("GET", CASE_WRITE),
    "vig_sessions:session_delete": ("GET", CASE_WRITE),
    "vig_sessions:review_create": ("GET", CASE_WRITE),
    "vig_sessions:review_edit": ("GET", CASE_WRITE),
    "vig_sessions:case_close": ("GET", CASE_WRITE),
    # The one write a supervisor may make: reversing a closing. The case here is open, so
    # those allowed are sent back to it; sessions/tests/test_closing.py reopens a closed one.
    "vig_sessions:case_reopen": ("GET", expect(LOGIN, 302, 404, 302, 404, 302)),
    # The Traject Letter (the world's letter is finalised, with its PDF).
    "letters:list": ("GET", CASE_READ),
    "letters:detail": ("GET", CASE_READ),
    "letters:preview": ("GET", CASE_READ),
    "letters:pdf": ("GET", CASE_READ),
    # Writes: the practitioner (or an administrator) gets past the gate and is sent back to the letter.
    "letters:start": ("POST", expect(LOGIN, 302, 404, 403, 404, 302)),
    "letters:ask_approval": ("POST", expect(LOGIN, 302, 404, 403, 404, 302)),
    "letters:finalise": ("POST", expect(LOGIN, 302, 404, 403, 404, 302)),
    # Approving is the supervisor's write: only a supervisor of the case's team, not its practitioner.
    "letters:approve": ("POST", expect(LOGIN, 403, 404, 302, 404, 403)),
    # Supervision: a practitioner's supervision record is theirs, their team's supervisors' and the
    # administrators'; sessions are logged and changed by a supervisor of the practitioner's team.
    "supervision:home": ("GET", expect(LOGIN, 302, 302, 200, 200, 200)),  # practitioners: to their own page
    "supervision:practitioner": ("GET", expect(LOGIN, 200, 404, 200, 404, 200)),
    "supervision:session_create": ("GET", expect(LOGIN, 403, 404, 200, 404, 403)),
    "supervision:session_detail": ("GET", expect(LOGIN, 200, 404, 200, 404, 200)),
    "supervision:session_edit": ("GET", expect(LOGIN, 403, 404, 200, 404, 403)),
    "supervision:case_notes": ("GET", CASE_READ),
    # Notes are the supervisor's and the practitioner's conversation: an empty note is refused (400).
    "supervision:note_create": ("POST", expect(LOGIN, 400, 404, 400, 404, 403)),
    # The client link (letters/client_views.py). The world's letter is ready, so a retry is refused with a
    # message and sends those who may write back to the letter.
    "letters:retry": ("POST", expect(LOGIN, 302, 404, 403, 404, 302)),
    "letters:link_create": ("GET", CASE_WRITE),
    "letters:link_revoke": ("GET", CASE_WRITE),
    # The client's side has no accounts: the link (and the cookie it is swapped for) is the key, the
    # same for every role, and a staff log-in adds nothing. The world holds the link's token and, in
    # the test client, the cookie of an opened letter: the link and the landing page redirect onwards.
    "letters:client_link": ("GET", expect(302, 302, 302, 302, 302, 302)),
    "letters:client_open": ("GET", expect(302, 302, 302, 302, 302, 302)),
    "letters:client_letter": ("GET", PUBLIC),
    "letters:client_pdf": ("GET", PUBLIC),
    # Data protection (retention, erasure, subject access export): administrators only, like the Django admin.
    "dataprotection:overview": ("GET", ADMINISTRATORS),
    "dataprotection:erase": ("GET", ADMINISTRATORS),
    "dataprotection:export_start": ("GET", ADMINISTRATORS),
    # The world's export belongs to the administrator; its one download streams it (200).
    "dataprotection:export_detail": ("GET", ADMINISTRATORS),
    "dataprotection:export_status": ("GET", ADMINISTRATORS),
    "dataprotection:export_download": ("GET", ADMINISTRATORS),
    # Accounts and two-factor authentication (hardening). force_login gives supervisors and
    # administrators a verified authenticator app, so they are sent on from setting one up.
    "accounts:account": ("GET", ANY_USER),
    "accounts:two_factor_enrol": ("GET", expect(LOGIN, 200, 200, 302, 302, 302)),
    "accounts:two_factor_verify": ("GET", expect(LOGIN, 302, 302, 302, 302, 302)),
    "accounts:two_factor_remove": ("POST", expect(LOGIN, 302, 302, 302, 302, 302)),
    # New recovery codes: for those with an app (here the verified staff); others are sent back.
    "accounts:recovery_codes": ("POST", expect(LOGIN, 302, 302, 200, 200, 200)),
    # Outcomes (the world's team and practitioner): a team is for its supervisors and administrators,
    # a practitioner's outcomes also for themselves; anyone else is told they do not exist.
    "outcomes:index": ("GET", expect(LOGIN, 302, 302, 200, 200, 200)),  # practitioners go to their own page
    "outcomes:team": ("GET", expect(LOGIN, 404, 404, 200, 404, 200)),
    "outcomes:team_csv": ("GET", expect(LOGIN, 404, 404, 200, 404, 200)),
    "outcomes:practitioner": ("GET", CASE_READ),
    "outcomes:practitioner_csv": ("GET", CASE_READ),
}

# Anonymous redirects that are not to the log-in page.
NOT_TO_LOGIN = {"logout", "letters:client_link", "letters:client_open"}

# Views that change a case: a POST from a role that may not write changes nothing.
WRITE_URLS = [name for name, (_, expected, *_headers) in MATRIX.items() if expected is CASE_WRITE] + [
    "cases:helping_question"
]


def all_urls(resolver=None, namespace="", params=()):
    """Yield (name, parameter names) for every named URL pattern."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        entry_params = (*params, *entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from all_urls(entry, inner, entry_params)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry_params


def project_url_names():
    # The Django admin has a hundred URLs of its own; it is checked separately below.
    return {name for name, _ in all_urls() if not name.startswith("admin:")}


def test_every_url_is_in_the_matrix():
    assert project_url_names() == set(MATRIX), "add the new URL to MATRIX with the status each role should get"


@pytest.fixture
def world(client, case, practitioner, other_practitioner, supervisor, other_supervisor, administrator):
    goal = GoalFactory(case=case)
    consent = ConsentFactory(case=case, purpose=Consent.Purpose.SUPERVISION)
    film = FilmFactory(case=case, poster=ContentFile(b"jpeg", name="poster.jpg"))
    clip = ClipFactory(film=film, poster=ContentFile(b"jpeg", name="clip-poster.jpg"))
    still = StillFactory(clip=clip, image=ContentFile(b"jpeg", name="still.jpg"))
    annotation = AnnotationFactory(film=film)
    upload = FilmUploadFactory(case=case, created_by=practitioner)
    session = SessionFactory(case=case)
    review = SharedReviewFactory(case=case, film=film)
    letter = TrajectLetter.objects.create(case=case, created_by=practitioner)
    letter.content = letter_services.build_content(letter)
    letter.status = TrajectLetter.Status.FINALISED
    letter.render_status = TrajectLetter.RenderStatus.READY
    letter.pdf = ContentFile(b"%PDF-1.7", name="letter.pdf")
    letter.save()
    supervision_session = SupervisionSession.objects.create(
        practitioner=practitioner, supervisor=supervisor, duration_minutes=60
    )
    supervision_session.cases.add(case)
    shared = letter_services.create_link(letter=letter, user=practitioner, days=30, with_passcode=False)
    client.cookies[letter_links.COOKIE_NAME] = letter_links.cookie_value(shared.link, letter_links.OPEN)
    export = SubjectAccessExport.objects.create(
        client=case.client,
        requested_by=administrator,
        case_references=[case.reference],
        status=SubjectAccessExport.Status.READY,
        file=ContentFile(b"PK", name="export.zip"),
    )
    users = {
        "anonymous": None,
        "owner": practitioner,
        "other_practitioner": other_practitioner,
        "supervisor": supervisor,
        "other_supervisor": other_supervisor,
        "administrator": administrator,
    }
    kwargs = {
        "reference": case.reference,
        "goal_id": goal.pk,
        "consent_id": consent.pk,
        "film_id": film.pk,
        "clip_id": clip.pk,
        "still_id": still.pk,
        "annotation_id": annotation.pk,
        "kind": "poster",
        "upload_id": upload.pk,
        "session_id": session.pk,
        "review_id": review.pk,
        "letter_id": letter.pk,
        "practitioner_id": practitioner.pk,
        "supervision_session_id": supervision_session.pk,
        "link_id": shared.link.pk,
        "link_token": shared.token,
        "export_id": export.pk,
        "team_id": case.team_id,
        "user_id": practitioner.pk,
        "uidb64": "MQ",
        "token": "not-a-token",
    }
    return users, kwargs


def url_for(name, kwargs):
    params = dict(all_urls())[name]
    return reverse(name, kwargs={k: kwargs[k] for k in params})


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_role_gets_expected_status(client, world, name, role):
    users, kwargs = world
    method, expected, *headers = MATRIX[name]
    if users[role] is not None:
        client.force_login(users[role])
    url = url_for(name, kwargs)
    response = client.generic(method, url, headers=headers[0] if headers else None)
    assert response.status_code == expected[role], f"{role} {method} {url}"
    if expected[role] == LOGIN and role == "anonymous" and name not in NOT_TO_LOGIN:
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "role,status", [("anonymous", LOGIN), ("other_practitioner", 404), ("supervisor", 403), ("other_supervisor", 404)]
)
@pytest.mark.parametrize("name", sorted(set(WRITE_URLS)))
def test_roles_that_may_not_write_change_nothing(client, world, case, name, role, status):
    from audit.models import AuditEvent

    users, kwargs = world
    if users[role] is not None:
        client.force_login(users[role])
    writes_before = AuditEvent.objects.exclude(action__in=["view", "login"]).count()
    response = client.post(
        url_for(name, kwargs),
        {"text": "x", "description": "x", "purpose": "training", "given_by": "x", "withdrawn_on": "2026-10-01"},
    )
    assert response.status_code == status
    assert AuditEvent.objects.exclude(action__in=["view", "login"]).count() == writes_before
    case.refresh_from_db()
    assert case.goals.count() == 1
    assert case.helping_questions.count() == 0
    assert case.consents.filter(withdrawn_on__isnull=True).count() == 1


@pytest.mark.parametrize("role", ROLES)
def test_django_admin_is_for_administrators_only(client, world, role):
    users, _ = world
    if users[role] is not None:
        client.force_login(users[role])
    admin_urls = ["admin:index", "admin:cases_case_changelist", "admin:accounts_user_changelist"]
    for url in map(reverse, admin_urls):
        response = client.get(url)
        if role == "administrator":
            assert response.status_code == 200, url
        else:
            assert response.status_code == 302, url
            assert "/admin/login/" in response["Location"]
