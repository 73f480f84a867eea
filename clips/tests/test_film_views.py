"""The film pages: finishing an upload, watching it being prepared, retrying, deleting.

Who may reach each URL is the role matrix's business (vig/tests/test_role_matrix.py);
these tests are about what each page does for those who may.
"""

import hashlib
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from audit.models import AuditEvent
from cases.models import Consent
from cases.tests.factories import CaseFactory, ConsentFactory
from clips.models import Film, FilmUpload
from clips.tests import media_factory
from clips.tests.factories import FilmFactory, FilmUploadFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

Action = AuditEvent.Action
RECORDED_ON = timezone.localdate() - timedelta(days=7)
TRY_AGAIN = '<button class="btn btn-primary" type="submit">Try again</button>'


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    settings.VIG_UPLOAD_DIR = tmp_path / "uploads"
    settings.VIG_UPLOAD_DIR.mkdir()
    return settings.VIG_UPLOAD_DIR


@pytest.fixture(autouse=True)
def scratch_dir(settings, tmp_path):
    settings.VIG_SCRATCH_DIR = tmp_path / "scratch"
    settings.VIG_SCRATCH_DIR.mkdir()
    return settings.VIG_SCRATCH_DIR


@pytest.fixture
def owner(client, practitioner):
    client.force_login(practitioner)
    return client


def stored_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def finished_upload(case, source: Path, *, created_by=None, filename="IMG_0042.MOV", received=None) -> FilmUpload:
    """A tus upload whose bytes (a copy of `source`) have all arrived, or only `received` of them."""
    size = source.stat().st_size
    received = size if received is None else received
    upload = FilmUploadFactory(
        case=case, created_by=created_by or case.practitioner, length=size, offset=received, filename=filename
    )
    upload.path.write_bytes(source.read_bytes()[:received])
    return upload


def details(upload=None, **overrides) -> dict:
    data = {
        "recorded_on": RECORDED_ON.isoformat(),
        "setting": Film.Setting.SCHOOL,
        "activity": "Building with Lego",
        "upload_id": str(upload.pk) if upload is not None else "",
    }
    data.update(overrides)
    return data


def upload_url(case) -> str:
    return reverse("clips:film_upload", kwargs={"reference": case.reference})


def film_url(film, name="clips:film_detail") -> str:
    return reverse(name, kwargs={"reference": film.case.reference, "film_id": film.pk})


def with_files(film: Film) -> Film:
    """Give a film an original and every derived file, stored under its key."""
    for kind, extension in (("original", "mov"), ("playback", "mp4"), ("poster", "jpg"), ("thumbnails", "jpg")):
        getattr(film, kind).save(film.storage_name(kind, extension), ContentFile(b"bytes of " + kind.encode()))
    return film


def steps_shown(response) -> list[str]:
    """The film page's list of steps as a screen reader says them: "Done: Checking the file"."""
    html = response.content.decode()
    steps = html[html.index('class="list-unstyled film-steps') :]
    steps = steps[: steps.index("</ol>")]
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in re.findall(r"<li.*?</li>", steps, re.S)]


def audit_events(action, obj=None):
    events = AuditEvent.objects.filter(action=action)
    if obj is not None:
        events = events.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    return events


# ---------------------------------------------------------------------------
# Finishing an upload


def test_finishing_an_upload_makes_a_film_with_the_details_entered(
    owner, case, practitioner, h264_film, django_capture_on_commit_callbacks
):
    upload = finished_upload(case, h264_film)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = owner.post(upload_url(case), details(upload))

    film = Film.objects.get(case=case)
    assertRedirects(response, film.get_absolute_url(), fetch_redirect_response=False)
    assert (film.recorded_on, film.setting, film.activity) == (RECORDED_ON, "school", "Building with Lego")
    assert film.uploaded_by == practitioner
    assert film.original_name == "IMG_0042.MOV"
    assert (film.status, film.step) == (Film.Status.PROCESSING, Film.Step.QUEUED)
    assert len(callbacks) == 1, "processing is queued once, after the commit"


def test_finishing_an_upload_stores_the_original_under_the_films_key(owner, case, h264_film, media_root):
    upload = finished_upload(case, h264_film, filename='../../etc/passwd "x".mp4')

    owner.post(upload_url(case), details(upload))

    film = Film.objects.get(case=case)
    assert film.original.name == f"films/{film.key}/original.mov"
    assert stored_files(media_root) == [f"films/{film.key}/original.mov"]
    with default_storage.open(film.original.name, "rb") as stored:
        assert sha256(stored.read()) == sha256(h264_film.read_bytes())
    assert film.original_size == h264_film.stat().st_size


def test_finishing_an_upload_keeps_what_ffprobe_found(owner, case, h264_film):
    owner.post(upload_url(case), details(finished_upload(case, h264_film)))

    info = Film.objects.get(case=case).source_info
    assert info["video_codec"] == "h264"
    assert (info["width"], info["height"]) == (320, 240)
    assert info["duration"] == pytest.approx(2, abs=0.1)
    assert info["has_audio"] is True


def test_finishing_an_upload_removes_the_upload_and_its_bytes(owner, case, h264_film, upload_dir):
    upload = finished_upload(case, h264_film)

    owner.post(upload_url(case), details(upload))

    assert not FilmUpload.objects.filter(pk=upload.pk).exists()
    assert list(upload_dir.iterdir()) == []


def test_finishing_an_upload_is_audited(owner, case, practitioner, h264_film):
    owner.post(upload_url(case), details(finished_upload(case, h264_film)))

    film = Film.objects.get(case=case)
    event = audit_events(Action.CREATE, film).get()
    assert (event.actor, event.case) == (practitioner, case)


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (media_factory.zero_bytes, "This file is empty"),
        (media_factory.text_as_mp4, "contains text, not a film"),
        (media_factory.png_as_mp4, "a picture, not a film"),
        (media_factory.truncated_mp4, "the end of the file is missing"),
        (media_factory.audio_only_m4a, "no video in it (it looks like a sound recording)"),
        (media_factory.hls_in_avi, "a playlist, not a film"),
        (media_factory.concat_list, "a list of other files, not a film"),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_a_file_that_is_not_a_film_is_refused_and_nothing_is_kept(
    owner, case, film_folder, tmp_path, media_root, upload_dir, make, words, django_capture_on_commit_callbacks
):
    upload = finished_upload(case, make(tmp_path), filename="holiday.mp4")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = owner.post(upload_url(case), details(upload))

    assert response.status_code == 200
    assertContains(response, words)
    assertContains(response, "Nothing was kept.")
    assert not Film.objects.exists()
    assert stored_files(media_root) == []
    assert not FilmUpload.objects.exists()
    assert list(upload_dir.iterdir()) == []
    assert callbacks == []


def test_an_unfinished_upload_is_refused_and_kept_so_it_can_resume(owner, case, h264_film, media_root, upload_dir):
    upload = finished_upload(case, h264_film, received=h264_film.stat().st_size // 2)

    response = owner.post(upload_url(case), details(upload))

    assert response.status_code == 200
    assertContains(response, "The upload has not finished yet. Choose the same file again to carry on.")
    assert not Film.objects.exists()
    assert stored_files(media_root) == []
    assert FilmUpload.objects.filter(pk=upload.pk).exists()
    assert upload.path.is_file()


def test_an_expired_upload_cannot_be_finished(owner, case, h264_film):
    upload = finished_upload(case, h264_film)
    FilmUpload.objects.filter(pk=upload.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    response = owner.post(upload_url(case), details(upload))

    assert response.status_code == 404
    assert not Film.objects.exists()


def test_the_upload_is_kept_for_another_go_when_ffprobe_cannot_run(owner, case, h264_film, media_root, settings):
    """ffprobe failing is not the file's fault: the practitioner tries again without uploading again."""
    upload = finished_upload(case, h264_film)
    settings.FFPROBE_BINARY = "/nonexistent/ffprobe"

    response = owner.post(upload_url(case), details(upload))

    assert response.status_code == 200
    assertContains(response, "The film could not be checked just now.")
    assert not Film.objects.exists()
    assert stored_files(media_root) == []
    assert FilmUpload.objects.filter(pk=upload.pk).exists()
    assert upload.path.read_bytes() == h264_film.read_bytes()


def test_the_upload_can_be_finished_once_ffprobe_runs_again(owner, case, h264_film, settings):
    upload = finished_upload(case, h264_film)
    ffprobe = settings.FFPROBE_BINARY
    settings.FFPROBE_BINARY = "/nonexistent/ffprobe"
    owner.post(upload_url(case), details(upload))
    settings.FFPROBE_BINARY = ffprobe

    response = owner.post(upload_url(case), details(upload))

    film = Film.objects.get(case=case)
    assertRedirects(response, film.get_absolute_url(), fetch_redirect_response=False)
    assert not FilmUpload.objects.exists()


def test_an_upload_whose_bytes_are_gone_is_given_up_not_offered_again(owner, case, h264_film, media_root):
    """The sweeper may remove an upload's bytes while its row is still there.

    No later try can succeed, so the page must not say "try again in a minute"
    and the dead upload must not stay behind: the file has to be chosen again.
    """
    upload = finished_upload(case, h264_film)
    upload.path.unlink()

    response = owner.post(upload_url(case), details(upload))

    assert response.status_code == 200
    assertNotContains(response, "try again in a minute")
    assertContains(response, "Nothing was kept.")
    assert not Film.objects.exists()
    assert stored_files(media_root) == []
    assert not FilmUpload.objects.exists()


def test_the_details_without_an_upload_are_refused(owner, case):
    response = owner.post(upload_url(case), details())

    assert response.status_code == 200
    assertContains(response, "Choose the film file and upload it first.")
    assert not Film.objects.exists()


def test_a_recording_date_in_the_future_is_refused_and_the_upload_kept_for_another_go(owner, case, h264_film):
    upload = finished_upload(case, h264_film)
    tomorrow = timezone.localdate() + timedelta(days=1)

    response = owner.post(upload_url(case), details(upload, recorded_on=tomorrow.isoformat()))

    assert response.status_code == 200
    assertContains(response, "The recording date cannot be in the future.")
    assert not Film.objects.exists()
    assert FilmUpload.objects.filter(pk=upload.pk).exists()
    assert upload.path.stat().st_size == h264_film.stat().st_size


def test_someone_elses_upload_on_the_case_cannot_be_finished(owner, case, administrator, h264_film):
    upload = finished_upload(case, h264_film, created_by=administrator)

    response = owner.post(upload_url(case), details(upload))

    assert response.status_code == 404
    assert not Film.objects.exists()
    assert FilmUpload.objects.filter(pk=upload.pk).exists(), "a refused request leaves the other upload alone"
    assert upload.path.exists()


def test_an_upload_to_another_case_cannot_be_finished_on_this_one(owner, case, practitioner, h264_film):
    other_case = CaseFactory(practitioner=practitioner, team=practitioner.team)
    upload = finished_upload(other_case, h264_film)

    response = owner.post(upload_url(case), details(upload))

    assert response.status_code == 404
    assert not Film.objects.exists()
    assert FilmUpload.objects.filter(pk=upload.pk, case=other_case).exists()


def test_the_upload_page_gives_the_size_limit_that_applies(owner, case, settings):
    settings.VIG_MAX_UPLOAD_BYTES = 2 * 1024**3

    response = owner.get(upload_url(case))

    assertContains(response, "up to 2 GB")


def test_the_upload_page_warns_when_filming_consent_is_missing(owner, case):
    response = owner.get(upload_url(case))

    assertContains(response, "Filming consent is not recorded")


def test_the_upload_page_does_not_warn_when_filming_consent_is_given(owner, case):
    ConsentFactory(case=case, purpose=Consent.Purpose.FILMING)

    response = owner.get(upload_url(case))

    assertNotContains(response, "Filming consent is not recorded")


def test_the_upload_page_warns_when_filming_consent_was_withdrawn(owner, case):
    ConsentFactory(case=case, purpose=Consent.Purpose.FILMING, withdrawn_on=timezone.localdate())

    response = owner.get(upload_url(case))

    assertContains(response, "Filming consent is not recorded")


# ---------------------------------------------------------------------------
# The film page


def test_the_page_of_a_film_in_processing_shows_its_progress(owner, case):
    film = FilmFactory(case=case, status=Film.Status.PROCESSING, step=Film.Step.TRANSCODING, progress=40)

    response = owner.get(film_url(film))

    assertContains(response, "Preparing the film")
    assertContains(response, 'aria-valuenow="40"')
    assertContains(response, "Making the playback copy: 40%")
    assertNotContains(response, "<video")


STEP_LABELS = ["Checking the file", "Making the playback copy", "Making the poster image", "Making the thumbnails"]


@pytest.mark.parametrize(
    ("step", "done", "now"),
    [
        (Film.Step.QUEUED, 0, None),
        (Film.Step.PROBING, 0, 0),
        (Film.Step.TRANSCODING, 1, 1),
        (Film.Step.POSTER, 2, 2),
        (Film.Step.THUMBNAILS, 3, 3),
    ],
)
def test_the_page_of_a_film_in_processing_marks_the_steps_done_and_the_one_under_way(owner, case, step, done, now):
    """While waiting for a worker nothing is under way; after that, exactly the film's own step is."""
    film = FilmFactory(case=case, status=Film.Status.PROCESSING, step=step)

    response = owner.get(film_url(film))

    expected = [
        f"{'Done' if i < done else 'Now' if i == now else 'To do'}: {label}" for i, label in enumerate(STEP_LABELS)
    ]
    assert steps_shown(response) == expected


def test_the_page_of_a_ready_film_plays_it_through_the_access_checked_view(owner, case, settings):
    film = with_files(FilmFactory(case=case))
    playback = reverse("clips:film_media", kwargs={"reference": case.reference, "film_id": film.pk, "kind": "playback"})
    poster = reverse("clips:film_media", kwargs={"reference": case.reference, "film_id": film.pk, "kind": "poster"})

    response = owner.get(film_url(film))

    html = response.content.decode()
    assert "<video" in html
    assert f'<source src="{playback}" type="video/mp4">' in html
    assert f'poster="{poster}"' in html
    assert settings.MEDIA_URL not in html
    assert film.playback.name not in html, "the storage name is never shown"
    assert 'src="/media/' not in html
    assertNotContains(response, 'id="film-progress"')


def test_the_page_of_a_failed_film_shows_the_error_and_lets_the_practitioner_try_again(owner, case):
    film = FilmFactory(case=case, status=Film.Status.FAILED, step=Film.Step.TRANSCODING, error="The video is broken.")

    response = owner.get(film_url(film))

    assertContains(response, "Processing failed")
    assertContains(response, "The video is broken.")
    assertContains(response, TRY_AGAIN, html=True)
    assertContains(response, f'action="{film_url(film, "clips:film_retry")}"')


def test_the_supervisor_sees_a_failed_film_but_cannot_try_again(client, case, supervisor):
    film = FilmFactory(case=case, status=Film.Status.FAILED, step=Film.Step.TRANSCODING, error="The video is broken.")
    client.force_login(supervisor)

    response = client.get(film_url(film))

    assertContains(response, "The video is broken.")
    assertNotContains(response, "Try again")
    assertNotContains(response, film_url(film, "clips:film_retry"))
    assertNotContains(response, "Delete film")


def test_every_view_of_the_film_page_is_audited(owner, case, practitioner):
    film = FilmFactory(case=case)

    owner.get(film_url(film))
    owner.get(film_url(film))

    views = audit_events(Action.VIEW).filter(case=case, actor=practitioner)
    assert views.count() == 2


# ---------------------------------------------------------------------------
# Live status


def test_the_status_says_where_processing_has_got_to(owner, case):
    film = FilmFactory(case=case, status=Film.Status.PROCESSING, step=Film.Step.POSTER, progress=30)

    response = owner.get(film_url(film, "clips:film_status"))

    assert response.json() == {
        "status": "processing",
        "step": "poster",
        "step_label": "Making the poster image",
        "progress": 30,
        "error": "",
    }


def test_the_status_says_why_processing_failed(owner, case):
    film = FilmFactory(case=case, status=Film.Status.FAILED, step=Film.Step.PROBING, error="This file is empty.")

    body = owner.get(film_url(film, "clips:film_status")).json()

    assert (body["status"], body["error"]) == ("failed", "This file is empty.")


def test_the_status_is_never_cached(owner, case):
    film = FilmFactory(case=case, status=Film.Status.PROCESSING)

    response = owner.get(film_url(film, "clips:film_status"))

    assert response["Cache-Control"] == "no-store"


def test_polling_the_status_is_not_audited(owner, case):
    """The page polls every few seconds; the audited page view covers it."""
    film = FilmFactory(case=case, status=Film.Status.PROCESSING)

    for _ in range(3):
        owner.get(film_url(film, "clips:film_status"))

    assert not audit_events(Action.VIEW).exists()


# ---------------------------------------------------------------------------
# Retry


def test_retrying_a_failed_film_starts_it_again_from_the_beginning(owner, case, django_capture_on_commit_callbacks):
    film = FilmFactory(
        case=case,
        status=Film.Status.FAILED,
        step=Film.Step.TRANSCODING,
        progress=55,
        attempts=3,
        error="The video could not be processed.",
    )

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = owner.post(film_url(film, "clips:film_retry"))

    assertRedirects(response, film_url(film), fetch_redirect_response=False)
    film.refresh_from_db()
    assert (film.status, film.step, film.progress) == (Film.Status.PROCESSING, Film.Step.QUEUED, 0)
    assert (film.attempts, film.error, film.lease_until) == (0, "", None)
    assert len(callbacks) == 1


def test_retrying_is_audited(owner, case, practitioner):
    film = FilmFactory(case=case, status=Film.Status.FAILED, step=Film.Step.PROBING)

    owner.post(film_url(film, "clips:film_retry"))

    event = audit_events(Action.UPDATE, film).get()
    assert (event.actor, event.summary) == (practitioner, "processing retried")


def test_retrying_a_ready_film_leaves_it_alone(owner, case, django_capture_on_commit_callbacks):
    film = FilmFactory(case=case, status=Film.Status.READY, step=Film.Step.DONE, attempts=1)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = owner.post(film_url(film, "clips:film_retry"), follow=True)

    assertContains(response, "This film is not waiting for a retry.")
    film.refresh_from_db()
    assert (film.status, film.step, film.attempts) == (Film.Status.READY, Film.Step.DONE, 1)
    assert callbacks == []
    assert not audit_events(Action.UPDATE).exists()


# ---------------------------------------------------------------------------
# Delete


def test_deleting_asks_first(owner, case, media_root):
    film = with_files(FilmFactory(case=case))

    response = owner.get(film_url(film, "clips:film_delete"))

    assertContains(response, "Delete this film and its clips?")
    assert Film.objects.filter(pk=film.pk).exists()
    assert len(stored_files(media_root)) == 4


def test_deleting_a_film_removes_it_and_every_file_made_from_it(
    owner, case, media_root, django_capture_on_commit_callbacks
):
    film = with_files(FilmFactory(case=case))
    assert stored_files(media_root) == sorted(
        f"films/{film.key}/{name}" for name in ("original.mov", "playback.mp4", "poster.jpg", "thumbnails.jpg")
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(film_url(film, "clips:film_delete"))

    assertRedirects(response, case.get_absolute_url(), fetch_redirect_response=False)
    assert not Film.objects.filter(pk=film.pk).exists()
    assert stored_files(media_root) == []


def test_the_files_of_a_deleted_film_stay_until_the_deletion_commits(
    owner, case, media_root, django_capture_on_commit_callbacks
):
    """A rolled-back delete must never leave a film pointing at missing files."""
    film = with_files(FilmFactory(case=case))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        owner.post(film_url(film, "clips:film_delete"))

    assert len(stored_files(media_root)) == 4
    for callback in callbacks:
        callback()
    assert stored_files(media_root) == []


def test_deleting_a_film_is_audited(owner, case, practitioner, django_capture_on_commit_callbacks):
    film = FilmFactory(case=case)
    film_id = film.pk

    with django_capture_on_commit_callbacks(execute=True):
        owner.post(film_url(film, "clips:film_delete"))

    event = AuditEvent.objects.get(action=Action.DELETE, object_type="clips.film", object_id=str(film_id))
    assert (event.actor, event.case) == (practitioner, case)


def test_a_delete_that_fails_is_not_audited_as_done(owner, case, media_root, monkeypatch):
    """The audit event belongs in the same transaction as the change it records (audit/models.py)."""
    film = with_files(FilmFactory(case=case))

    def refuse(*args, **kwargs):
        raise DatabaseError("the database went away")

    monkeypatch.setattr(Film, "delete", refuse)
    with pytest.raises(DatabaseError):
        owner.post(film_url(film, "clips:film_delete"))

    assert Film.objects.filter(pk=film.pk).exists()
    assert len(stored_files(media_root)) == 4
    assert not audit_events(Action.DELETE, film).exists()


def test_a_deleted_film_is_no_longer_listed_on_the_case(owner, case, django_capture_on_commit_callbacks):
    kept = FilmFactory(case=case, activity="Reading a book")
    deleted = FilmFactory(case=case, activity="Bath time")
    deleted_url = film_url(deleted)

    with django_capture_on_commit_callbacks(execute=True):
        owner.post(film_url(deleted, "clips:film_delete"))

    response = owner.get(case.get_absolute_url())
    assertContains(response, film_url(kept))
    assertNotContains(response, deleted_url)
    assertNotContains(response, "Bath time")


# ---------------------------------------------------------------------------
# The case page


def test_the_case_page_lists_the_films_with_their_status(owner, case):
    ready = FilmFactory(case=case, activity="Reading a book", status=Film.Status.READY)
    failed = FilmFactory(case=case, activity="Bath time", status=Film.Status.FAILED)
    waiting = FilmFactory(case=case, activity="Tea time", status=Film.Status.PROCESSING, step=Film.Step.QUEUED)

    response = owner.get(case.get_absolute_url())

    html = response.content.decode()
    for film, badge in (
        (ready, '<span class="badge text-bg-success">Ready</span>'),
        (failed, '<span class="badge text-bg-danger">Failed</span>'),
        (waiting, '<span class="badge text-bg-info">Processing</span>'),
    ):
        link = html.index(f'href="{film_url(film)}"')
        assert html.index(film.activity, link) < html.index(badge, link) < html.index("</li>", link)


def test_the_practitioner_is_offered_an_upload_on_the_case_page(owner, case):
    response = owner.get(case.get_absolute_url())

    assertContains(response, f'href="{upload_url(case)}"')
    assertContains(response, "Upload a film")


def test_the_supervisor_is_not_offered_an_upload_on_the_case_page(client, case, supervisor):
    client.force_login(supervisor)

    response = client.get(case.get_absolute_url())

    assert response.status_code == 200
    assertNotContains(response, upload_url(case))
    assertNotContains(response, "Upload a film")


def test_the_case_page_query_count_does_not_grow_with_its_films(owner, case, django_assert_max_num_queries):
    FilmFactory.create_batch(2, case=case)
    with CaptureQueriesContext(connection) as with_two:
        owner.get(case.get_absolute_url())

    FilmFactory.create_batch(6, case=case)
    with django_assert_max_num_queries(len(with_two)):
        response = owner.get(case.get_absolute_url())

    assert response.content.decode().count(f"/cases/{case.reference}/films/") >= 8
