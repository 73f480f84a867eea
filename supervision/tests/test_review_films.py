"""Films of the practitioner's own shared review: the same upload and privacy, never a cycle's film."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from cases.models import Case, Consent
from cases.tests.factories import ConsentFactory
from clips.models import Film
from clips.tests.factories import ClipFactory, FilmFactory
from clips.tests.test_film_views import details, finished_upload, upload_url
from letters.models import TrajectLetter
from letters.services import build_content
from sessions.forms import SharedReviewForm
from sessions.progress import CaseFacts, Stage, case_progress, prefetch_progress
from sessions.tests.stages import FIRST_FILM, film, progress_of, started

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    settings.VIG_UPLOAD_DIR = tmp_path / "uploads"
    settings.VIG_UPLOAD_DIR.mkdir()


def review_film(case, **kwargs) -> Film:
    return FilmFactory(case=case, kind=Film.Kind.REVIEW, activity="My second shared review", **kwargs)


def test_the_practitioner_uploads_a_film_of_their_review_through_the_same_upload(
    client, case, practitioner, h264_film, django_capture_on_commit_callbacks
):
    client.force_login(practitioner)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(upload_url(case), details(finished_upload(case, h264_film), kind=Film.Kind.REVIEW))

    film = Film.objects.get(case=case)
    assert film.kind == Film.Kind.REVIEW
    assert (film.status, film.step) == (Film.Status.PROCESSING, Film.Step.QUEUED)
    assert len(callbacks) == 1, "processed by the same pipeline"


def test_a_film_uploaded_without_saying_its_kind_is_a_film_of_the_family(client, case, practitioner, h264_film):
    client.force_login(practitioner)

    client.post(upload_url(case), details(finished_upload(case, h264_film)))

    assert Film.objects.get(case=case).kind == Film.Kind.FAMILY


def test_the_case_pages_review_film_link_opens_the_upload_set_for_a_review_film(client, case, practitioner):
    client.force_login(practitioner)

    response = client.get(upload_url(case) + "?kind=review")

    assert response.context["form"]["kind"].value() == Film.Kind.REVIEW
    assertContains(client.get(case.get_absolute_url()), upload_url(case) + "?kind=review")


def test_a_review_film_does_not_start_a_cycle(case):
    """A started case waits for film 1 whatever films of the practitioner's reviews it holds."""
    started(case)
    ClipFactory(film=review_film(case, recorded_on=FIRST_FILM))

    progress = progress_of(case)

    assert (progress.stage, progress.next_step) == (Stage.FILMING, "Film 1 to record")


def test_a_review_film_does_not_take_a_cycle_films_number(case):
    started(case)
    review_film(case, recorded_on=FIRST_FILM)
    first = film(case, FIRST_FILM + datetime.timedelta(days=1))

    progress = progress_of(case)

    assert progress.next_step == "Review 1 due"
    assert "from film 1" in progress.detail
    assert CaseFacts.of(Case.objects.get(pk=case.pk)).films == [first]


def test_facts_read_without_the_prefetch_leave_review_films_out_too(case):
    started(case)
    review_film(case, recorded_on=FIRST_FILM)

    assert CaseFacts.of(Case.objects.get(pk=case.pk)).films == []
    fetched = Case.objects.get(pk=case.pk)
    prefetch_progress([fetched])
    assert case_progress(fetched).next_step == "Film 1 to record"


def test_the_case_page_lists_review_films_apart_from_the_cycles_films(client, case, practitioner):
    family = FilmFactory(case=case, activity="Baking together")
    review = review_film(case)
    client.force_login(practitioner)

    page = client.get(case.get_absolute_url()).content.decode()

    assert f"Film 1: {family.recorded_on:%-d %b %Y}, Baking together" in page
    assert "Film 2" not in page
    assert f'href="{review.get_absolute_url()}">Review film:' in page


def test_a_shared_review_cannot_link_a_review_film_or_its_clips(case):
    family, review = FilmFactory(case=case), review_film(case)
    ClipFactory(film=review)
    family_clip = ClipFactory(film=family)

    form = SharedReviewForm(case=case)

    assert list(form.fields["film"].queryset) == [family]
    assert list(form.fields["clips"].queryset) == [family_clip]


def test_the_letter_counts_only_the_cycles_films(case, practitioner):
    FilmFactory(case=case)
    review_film(case)
    letter = TrajectLetter.objects.create(case=case, created_by=practitioner)

    assert build_content(letter)["films"] == 1


def test_the_film_page_says_it_is_a_film_of_the_practitioners_review(client, case, practitioner):
    client.force_login(practitioner)

    response = client.get(review_film(case).get_absolute_url())

    assertContains(response, "Film of the shared review of")
    assertContains(response, "filmed for supervision: not one of the case's films")


def test_moments_are_marked_in_a_review_film_with_the_micro_analysis(client, case, practitioner):
    review = review_film(case)
    client.force_login(practitioner)

    response = client.post(
        reverse("clips:annotation_create", args=[case.reference, review.pk]), {"frame": 10, "note": "My pause"}
    )

    assert response.status_code == 302
    assert review.annotations.get().note == "My pause"


@pytest.mark.parametrize("consent", ["never recorded", "withdrawn"])
def test_without_supervision_consent_the_supervisor_does_not_see_the_review_film(client, case, supervisor, consent):
    if consent == "withdrawn":
        ConsentFactory(case=case, purpose=Consent.Purpose.SUPERVISION, withdrawn_on=datetime.date(2026, 10, 5))
    review = review_film(case)
    review.playback.save(review.storage_name("playback", "mp4"), ContentFile(b"film bytes"))
    client.force_login(supervisor)

    media = client.get(reverse("clips:film_media", args=[case.reference, review.pk, "playback"]))
    page = client.get(review.get_absolute_url())

    assert media.status_code == 403
    assertContains(page, "The film and its clips are hidden.")
    assertNotContains(page, reverse("clips:film_media", args=[case.reference, review.pk, "playback"]))


def test_with_supervision_consent_the_supervisor_watches_the_review_film(client, case, supervisor):
    ConsentFactory(case=case, purpose=Consent.Purpose.SUPERVISION)
    review = review_film(case)
    review.playback.save(review.storage_name("playback", "mp4"), ContentFile(b"film bytes"))
    client.force_login(supervisor)

    assert client.get(reverse("clips:film_media", args=[case.reference, review.pk, "playback"])).status_code == 200
