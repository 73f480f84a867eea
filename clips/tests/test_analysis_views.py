"""Micro-analysis (clips, notes and stills in a film) and the shared review.

Who may reach each URL is the role matrix's business (vig/tests/test_role_matrix.py);
these tests are about what each page does for those who may. No worker runs here:
what is queued is checked through the on-commit callbacks, with the Celery tasks
replaced by recorders (the `queued` fixture).
"""

import json
import re
from datetime import date
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from audit.models import AuditEvent
from cases.models import Consent
from cases.tests.factories import CaseFactory, ConsentFactory, GoalFactory, HelpingQuestionFactory
from clips import services
from clips.models import Annotation, Clip, ClipTag, Principle, PrincipleElement, Still
from clips.tests.factories import AnnotationFactory, ClipFactory, FilmFactory, StillFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

Action = AuditEvent.Action
EYE_CONTACT = "receiving_initiatives.returning_eye_contact"
EYE_CONTACT_READS = "receiving initiatives: returning eye contact, smiling, nodding in response"


class Queue:
    """Stands in for a Celery task: remembers the ids it was asked to process."""

    def __init__(self):
        self.ids = []

    def delay(self, pk):
        self.ids.append(pk)


@pytest.fixture
def queued(monkeypatch):
    """The clip and still tasks, recording instead of sending: run the on-commit callbacks, then read the ids."""
    clips, stills = Queue(), Queue()
    monkeypatch.setattr("clips.tasks.process_clip_task", clips)
    monkeypatch.setattr("clips.tasks.process_still_task", stills)
    return {"clips": clips.ids, "stills": stills.ids}


@pytest.fixture
def owner(client, practitioner):
    client.force_login(practitioner)
    return client


@pytest.fixture
def film(case):
    """A ready film of 12 seconds at 25 frames a second: frames 0 to 299."""
    return FilmFactory(case=case)


def film_url(film, name="clips:analyse", **kwargs) -> str:
    return reverse(name, kwargs={"reference": film.case.reference, "film_id": film.pk, **kwargs})


def clip_url(clip, name, **kwargs) -> str:
    return film_url(clip.film, name, clip_id=clip.pk, **kwargs)


def element(code) -> PrincipleElement:
    return PrincipleElement.objects.get(code=code)


def principle(code) -> Principle:
    return Principle.objects.get(code=code)


def tag(clip, code) -> ClipTag:
    """Tag a clip with an element ("guiding.scaffolding") or a whole principle ("guiding")."""
    if "." in code:
        found = element(code)
        return ClipTag.objects.create(clip=clip, principle=found.principle, element=found)
    return ClipTag.objects.create(clip=clip, principle=principle(code))


def stored_tags(clip) -> set[tuple]:
    return {(t.principle.code, t.element.code if t.element else None) for t in clip.tags.all()}


def with_files(clip) -> Clip:
    clip.video.save(clip.storage_name("video", "mp4"), ContentFile(b"0123456789 clip video bytes"), save=False)
    clip.poster.save(clip.storage_name("poster", "jpg"), ContentFile(b"clip poster bytes"), save=False)
    clip.save()
    return clip


def with_image(still) -> Still:
    still.image.save(still.storage_name(), ContentFile(b"still jpeg bytes"))
    return still


def stored_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def clip_data(**overrides) -> dict:
    data = {
        "start_frame": 25,
        "end_frame": 99,
        "caption": "You waited, and Sam showed you the tower",
        "elements": [element(EYE_CONTACT).pk],
        "principles": [],
        "helping_question": "",
        "goal": "",
        "review_note": "Look at his face when you smile",
    }
    data.update(overrides)
    return data


def clip_fields(clip) -> dict:
    data = clip_data(
        start_frame=clip.start_frame,
        end_frame=clip.end_frame,
        caption=clip.caption,
        review_note=clip.review_note,
        elements=[t.element_id for t in clip.tags.all() if t.element_id],
        principles=[t.principle_id for t in clip.tags.all() if not t.element_id],
    )
    return data


def ticked(response, name, pk) -> bool:
    tag_html = re.search(rf'<input[^>]*name="{name}" value="{pk}"[^>]*>', response.content.decode())
    assert tag_html, f"no {name} checkbox for {pk}"
    return "checked" in tag_html.group(0)


def audit_events(action, obj=None):
    events = AuditEvent.objects.filter(action=action)
    if obj is not None:
        events = events.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    return events


def playlist(response) -> list[dict]:
    found = re.search(r'<script id="review-clips" type="application/json">(.*?)</script>', response.content.decode())
    assert found, "no playlist on the page"
    return json.loads(found.group(1))


def some_clips(film, count):
    """Clips as they usually are: each with a still and two elements of its own (no two clips see the same)."""
    elements = list(PrincipleElement.objects.all())
    for _ in range(count):
        n = film.clips.count()
        clip = ClipFactory(film=film, caption=f"Moment {n + 1}")
        tag(clip, elements[2 * n].code)
        tag(clip, elements[2 * n + 1].code)
        StillFactory(clip=clip)


# ---------------------------------------------------------------------------
# The analysis page


def test_the_analysis_page_plays_the_film_through_the_access_checked_view(owner, film):
    response = owner.get(film_url(film))

    html = response.content.decode()
    video = re.search(r'<video id="analysis-video"[^>]*>', html).group(0)
    assert f'src="{film_url(film, "clips:film_media", kind="playback")}"' in video
    assert f'poster="{film_url(film, "clips:film_media", kind="poster")}"' in video
    assert 'data-frame-count="300"' in html


def test_the_analysis_page_counts_the_clips_against_what_is_usual(owner, film):
    ClipFactory(film=film)
    ClipFactory(film=film)

    response = owner.get(film_url(film))

    assertContains(response, "2 selected; 3-5 is usual")


def test_the_analysis_page_lists_each_clip_with_its_frames_length_status_and_tags(owner, film):
    ready = ClipFactory(film=film, start_frame=25, end_frame=99, caption="You waited for Sam", position=1)
    tag(ready, EYE_CONTACT)
    tag(ready, "guiding")
    ClipFactory(film=film, start_frame=200, end_frame=249, caption="Sam shows you", position=2, status="processing")
    ClipFactory(film=film, caption="Broken", position=3, status="failed", error="The clip could not be cut.")

    response = owner.get(film_url(film))

    assertContains(
        response, '<h3 class="h6 mb-1"><span class="clip-number">1</span>. You waited for Sam</h3>', html=True
    )
    assertContains(response, "00:00:01:00 to 00:00:03:24")
    assertContains(response, "frames 25–99 · 3.0 s")
    assertContains(response, '<span class="badge text-bg-secondary me-1">Guiding</span>', html=True)
    assertContains(response, f'<span class="badge text-bg-secondary me-1">{EYE_CONTACT_READS}</span>', html=True)
    assertContains(response, '<h3 class="h6 mb-1"><span class="clip-number">2</span>. Sam shows you</h3>', html=True)
    assertContains(response, "frames 200–249 · 2.0 s")
    assertContains(response, "Being cut")
    assertContains(response, "The clip could not be cut.")


def test_the_analysis_page_lists_the_noted_moments(owner, film):
    AnnotationFactory(film=film, frame=120, note="Lovely turn-taking here")

    response = owner.get(film_url(film))

    assertContains(response, "00:00:04:20 (frame 120)")
    assertContains(response, "Lovely turn-taking here")
    assertNotContains(response, "Nothing noted yet.")


def test_the_analysis_page_offers_each_principle_with_its_own_elements(owner, film):
    response = owner.get(film_url(film))

    groups = response.content.decode().split('<details class="mb-1">')[1:]
    assert len(groups) == 6
    for group, each in zip(groups, Principle.objects.prefetch_related("elements"), strict=True):
        assert f'name="principles" value="{each.pk}"' in group
        assert re.findall(r'name="elements" value="(\d+)"', group) == [str(e.pk) for e in each.elements.all()]
        assert f"{each.number}. {each.name}" in group


def test_the_analysis_page_explains_the_keyboard_shortcuts(owner, film):
    response = owner.get(film_url(film))

    assertContains(response, '<dialog id="shortcuts-help" aria-labelledby="shortcuts-title">')
    assertContains(response, '<dt class="col-5">I / O</dt><dd class="col-7">Mark in / mark out</dd>', html=True)


def test_a_film_that_is_not_ready_cannot_be_analysed(owner, case):
    film = FilmFactory(case=case, status="processing", step="transcoding")

    assert owner.get(film_url(film)).status_code == 404


@pytest.mark.parametrize("page", ["clips:analyse", "clips:shared_review", "clips:film_detail"])
def test_a_page_listing_the_clips_does_not_query_more_for_more_clips(owner, film, page, django_assert_max_num_queries):
    """A tag reads "principle: element": the element's principle comes with the page's queries, not one per element."""
    some_clips(film, 2)
    with CaptureQueriesContext(connection) as few:
        owner.get(film_url(film, page))

    some_clips(film, 6)
    with django_assert_max_num_queries(len(few)):
        response = owner.get(film_url(film, page))

    assertContains(response, "Moment 1")
    assertContains(response, "Moment 8")


# ---------------------------------------------------------------------------
# Creating a clip


def test_a_new_clip_is_stored_with_its_marks_and_words(owner, case, film):
    question = HelpingQuestionFactory(case=case)
    goal = GoalFactory(case=case)

    owner.post(film_url(film, "clips:clip_create"), clip_data(helping_question=question.pk, goal=goal.pk))

    clip = Clip.objects.get(film=film)
    assert (clip.start_frame, clip.end_frame) == (25, 99)
    assert clip.caption == "You waited, and Sam showed you the tower"
    assert clip.review_note == "Look at his face when you smile"
    assert (clip.helping_question, clip.goal, clip.created_by) == (question, goal, case.practitioner)
    assert (clip.status, clip.marks_version) == (Clip.Status.PROCESSING, 1)


def test_a_new_clip_goes_to_the_end_of_the_selection(owner, film):
    ClipFactory(film=film, position=1)
    ClipFactory(film=film, position=4)

    owner.post(film_url(film, "clips:clip_create"), clip_data(caption="The newest"))

    assert Clip.objects.get(caption="The newest").position == 5


def test_a_new_clip_is_queued_for_cutting_once_it_is_committed(owner, film, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = owner.post(film_url(film, "clips:clip_create"), clip_data())

    clip = Clip.objects.get(film=film)
    assert len(callbacks) == 1
    assert queued["clips"] == [clip.pk]
    assert response.status_code == 302
    assert response.url == film_url(film) + "#clips"


def test_a_new_clip_is_audited(owner, case, film, practitioner):
    owner.post(film_url(film, "clips:clip_create"), clip_data())

    event = audit_events(Action.CREATE, Clip.objects.get(film=film)).get()
    assert (event.actor, event.case) == (practitioner, case)


def test_an_element_is_stored_with_its_principle(owner, film):
    owner.post(film_url(film, "clips:clip_create"), clip_data(elements=[element(EYE_CONTACT).pk]))

    assert stored_tags(Clip.objects.get(film=film)) == {("receiving_initiatives", EYE_CONTACT)}


def test_a_principle_ticked_alone_is_stored_as_the_whole_principle(owner, film):
    owner.post(film_url(film, "clips:clip_create"), clip_data(elements=[], principles=[principle("guiding").pk]))

    assert stored_tags(Clip.objects.get(film=film)) == {("guiding", None)}


def test_a_principle_ticked_with_one_of_its_elements_is_stored_once_as_the_element(owner, film):
    data = clip_data(
        principles=[principle("receiving_initiatives").pk, principle("guiding").pk],
        elements=[element(EYE_CONTACT).pk],
    )

    owner.post(film_url(film, "clips:clip_create"), data)

    assert stored_tags(Clip.objects.get(film=film)) == {("receiving_initiatives", EYE_CONTACT), ("guiding", None)}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"start_frame": 50, "end_frame": 40}, "The last frame comes before the first."),
        ({"end_frame": 300}, "The film ends at frame 299."),
        ({"elements": [], "principles": []}, "Name at least one principle of attuned interactions you see."),
        ({"caption": ""}, "This field is required."),
    ],
    ids=["ends-before-it-starts", "ends-after-the-film", "no-principle", "no-caption"],
)
def test_a_clip_that_is_not_right_is_refused_and_nothing_is_stored(
    owner, film, change, message, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = owner.post(film_url(film, "clips:clip_create"), clip_data(**change))

    assertContains(response, message, status_code=400)
    assert not Clip.objects.exists()
    assert not ClipTag.objects.exists()
    assert callbacks == []
    assert not audit_events(Action.CREATE).exists()


def test_a_clip_may_end_on_the_films_last_frame(owner, film):
    response = owner.post(film_url(film, "clips:clip_create"), clip_data(start_frame=250, end_frame=299))

    assert response.status_code == 302
    assert Clip.objects.get(film=film).end_frame == 299


def test_a_clip_longer_than_a_minute_is_refused(owner, case):
    film = FilmFactory(case=case, duration=120)

    response = owner.post(film_url(film, "clips:clip_create"), clip_data(start_frame=0, end_frame=1500))

    assertContains(response, "A clip is a short moment: keep it under a minute.", status_code=400)
    assert not Clip.objects.exists()


def test_a_clip_of_exactly_a_minute_is_accepted(owner, case):
    film = FilmFactory(case=case, duration=120)

    owner.post(film_url(film, "clips:clip_create"), clip_data(start_frame=0, end_frame=1499))

    assert Clip.objects.get(film=film).duration == 60


@pytest.mark.parametrize("field", ["helping_question", "goal"])
def test_a_helping_question_or_goal_of_another_case_is_refused(owner, film, field):
    other_case = CaseFactory()
    theirs = {"helping_question": HelpingQuestionFactory, "goal": GoalFactory}[field](case=other_case)

    response = owner.post(film_url(film, "clips:clip_create"), clip_data(**{field: theirs.pk}))

    assertContains(response, "Select a valid choice", status_code=400)
    assert not Clip.objects.exists()


def test_a_principle_that_is_not_a_number_is_refused_not_a_crash(owner, film):
    """A tampered form must get the form back (400), not a server error."""
    response = owner.post(film_url(film, "clips:clip_create"), clip_data(principles=["abc"]))

    assert response.status_code == 400
    assert not Clip.objects.exists()


# ---------------------------------------------------------------------------
# Editing a clip


def test_the_edit_form_shows_the_current_tags_ticked(owner, film):
    clip = ClipFactory(film=film)
    tag(clip, EYE_CONTACT)
    tag(clip, "guiding")

    response = owner.get(clip_url(clip, "clips:clip_edit"))

    assert ticked(response, "elements", element(EYE_CONTACT).pk)
    assert ticked(response, "principles", principle("guiding").pk)
    assert not ticked(response, "principles", principle("receiving_initiatives").pk)
    assert not ticked(response, "elements", element("guiding.scaffolding").pk)


def test_changing_only_words_and_tags_does_not_cut_the_clip_again(owner, film, django_capture_on_commit_callbacks):
    clip = ClipFactory(film=film, status=Clip.Status.READY)
    tag(clip, EYE_CONTACT)
    data = clip_fields(clip)
    data.update(caption="New words", elements=[element("guiding.scaffolding").pk])

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = owner.post(clip_url(clip, "clips:clip_edit"), data)

    assert response.url == film_url(film) + "#clips"
    clip.refresh_from_db()
    assert clip.caption == "New words"
    assert stored_tags(clip) == {("guiding", "guiding.scaffolding")}
    assert (clip.status, clip.marks_version) == (Clip.Status.READY, 1)
    assert callbacks == []


def test_moving_a_mark_cuts_the_clip_again(owner, film, queued, django_capture_on_commit_callbacks):
    """The file must show the moment the marks say: new marks mean a new cut, and any cut under way is thrown away."""
    clip = ClipFactory(film=film, status=Clip.Status.FAILED, attempts=3, error="The clip could not be cut.")
    tag(clip, EYE_CONTACT)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        owner.post(clip_url(clip, "clips:clip_edit"), {**clip_fields(clip), "end_frame": 120})

    clip.refresh_from_db()
    assert (clip.start_frame, clip.end_frame) == (25, 120)
    assert (clip.marks_version, clip.status, clip.attempts, clip.error) == (2, Clip.Status.PROCESSING, 0, "")
    assert len(callbacks) == 1
    assert queued["clips"] == [clip.pk]


def test_the_practitioner_is_told_a_clip_with_new_marks_is_being_cut_again(owner, film, queued):
    clip = ClipFactory(film=film)
    tag(clip, EYE_CONTACT)

    response = owner.post(clip_url(clip, "clips:clip_edit"), {**clip_fields(clip), "start_frame": 30}, follow=True)

    assertContains(response, "Clip saved. It is being cut again for the new marks.")


def test_editing_a_clip_is_audited_with_what_changed(owner, film, practitioner):
    clip = ClipFactory(film=film)
    tag(clip, EYE_CONTACT)

    owner.post(clip_url(clip, "clips:clip_edit"), {**clip_fields(clip), "caption": "New words"})

    event = audit_events(Action.UPDATE, clip).get()
    assert (event.actor, event.summary) == (practitioner, "changed: caption")


def test_saving_new_words_while_a_cut_finishes_keeps_the_finished_cut(film):
    """The worker finishes a cut with update(); saving the form must not write back the status and files it loaded."""
    clip = ClipFactory(film=film, status=Clip.Status.PROCESSING)
    loaded_by_the_edit_view = Clip.objects.get(pk=clip.pk)
    Clip.objects.filter(pk=clip.pk).update(status=Clip.Status.READY, video="films/x/clips/y-video.mp4")

    data = {k: v for k, v in clip_fields(clip).items() if k in ("start_frame", "end_frame", "review_note")}
    services.update_clip(
        loaded_by_the_edit_view, data={**data, "caption": "New words"}, tags=[(principle("guiding"), None)]
    )

    clip.refresh_from_db()
    assert clip.caption == "New words"
    assert (clip.status, clip.video.name) == (Clip.Status.READY, "films/x/clips/y-video.mp4")


# ---------------------------------------------------------------------------
# The order of the clips


@pytest.fixture
def three_clips(film):
    return [ClipFactory(film=film, position=n, caption=f"Clip {n}") for n in (1, 2, 3)]


def positions(clips) -> list[int]:
    return [Clip.objects.get(pk=c.pk).position for c in clips]


def test_moving_a_clip_up_swaps_it_with_the_one_before(owner, three_clips):
    first, second, third = three_clips

    owner.post(clip_url(second, "clips:clip_move"), {"direction": "up"})

    assert positions([first, second, third]) == [2, 1, 3]


def test_moving_a_clip_down_swaps_it_with_the_one_after(owner, three_clips):
    first, second, third = three_clips

    owner.post(clip_url(second, "clips:clip_move"), {"direction": "down"})

    assert positions([first, second, third]) == [1, 3, 2]


def test_the_first_clip_cannot_move_up(owner, three_clips):
    owner.post(clip_url(three_clips[0], "clips:clip_move"), {"direction": "up"})

    assert positions(three_clips) == [1, 2, 3]


def test_dragging_stores_the_new_order(owner, film, three_clips):
    first, second, third = three_clips
    order = [third.pk, first.pk, second.pk]

    response = owner.post(film_url(film, "clips:clips_reorder"), {"order": order}, content_type="application/json")

    assert response.json() == {"order": order}
    assert positions([third, first, second]) == [1, 2, 3]


@pytest.mark.parametrize("problem", ["missing", "duplicate", "duplicate-as-well", "other-film", "not-json"])
def test_an_order_that_does_not_name_each_clip_once_is_refused(owner, case, film, three_clips, problem):
    first, second, third = three_clips
    other = ClipFactory(film=FilmFactory(case=case))
    body = {
        "missing": {"order": [third.pk, first.pk]},
        "duplicate": {"order": [third.pk, third.pk, first.pk]},
        "duplicate-as-well": {"order": [third.pk, first.pk, second.pk, third.pk]},
        "other-film": {"order": [third.pk, first.pk, second.pk, other.pk]},
        "not-json": "third, first, second",
    }[problem]

    response = owner.post(
        film_url(film, "clips:clips_reorder"),
        json.dumps(body) if isinstance(body, dict) else body,
        content_type="application/json",
    )

    assert response.status_code == 400
    assert positions(three_clips) == [1, 2, 3]


# ---------------------------------------------------------------------------
# Deleting a clip


def test_deleting_a_clip_removes_it_its_stills_and_their_files_after_the_commit(
    owner, film, media_root, django_capture_on_commit_callbacks
):
    clip = with_files(ClipFactory(film=film))
    still = with_image(StillFactory(clip=clip))
    assert len(stored_files(media_root)) == 3

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = owner.post(clip_url(clip, "clips:clip_delete"))

    assert response.url == film_url(film) + "#clips"
    assert not Clip.objects.filter(pk=clip.pk).exists()
    assert not Still.objects.filter(pk=still.pk).exists()
    assert len(stored_files(media_root)) == 3, "the files stay until the deletion commits"
    for callback in callbacks:
        callback()
    assert stored_files(media_root) == []


def test_deleting_a_clip_is_audited(owner, case, film, practitioner, django_capture_on_commit_callbacks):
    clip = ClipFactory(film=film)
    clip_id = clip.pk

    with django_capture_on_commit_callbacks(execute=True):
        owner.post(clip_url(clip, "clips:clip_delete"))

    event = AuditEvent.objects.get(action=Action.DELETE, object_type="clips.clip", object_id=str(clip_id))
    assert (event.actor, event.case) == (practitioner, case)


# ---------------------------------------------------------------------------
# Stills


def test_a_still_of_a_frame_in_the_clip_is_queued_with_its_caption(
    owner, film, queued, django_capture_on_commit_callbacks
):
    clip = ClipFactory(film=film, start_frame=25, end_frame=99)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = owner.post(clip_url(clip, "clips:still_create"), {"frame": 60, "caption": "Sam looks up at you"})

    assert response.url == film_url(film) + f"#clip-{clip.pk}"
    still = Still.objects.get(clip=clip)
    assert (still.frame, still.caption, still.status) == (60, "Sam looks up at you", Still.Status.PROCESSING)
    assert len(callbacks) == 1
    assert queued["stills"] == [still.pk]
    assert audit_events(Action.CREATE, still).exists()


def test_a_still_of_a_frame_outside_the_clip_is_refused(owner, film, django_capture_on_commit_callbacks):
    clip = ClipFactory(film=film, start_frame=25, end_frame=99)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = owner.post(clip_url(clip, "clips:still_create"), {"frame": 100, "caption": "Too late"}, follow=True)

    assertContains(response, "Choose a frame inside this clip.")
    assert not Still.objects.exists()
    assert callbacks == []


def test_deleting_a_still_removes_it_and_its_image(owner, film, media_root, django_capture_on_commit_callbacks):
    still = with_image(StillFactory(clip=ClipFactory(film=film)))

    with django_capture_on_commit_callbacks(execute=True):
        owner.post(film_url(film, "clips:still_delete", still_id=still.pk))

    assert not Still.objects.filter(pk=still.pk).exists()
    assert stored_files(media_root) == []


def test_a_still_image_is_served_through_the_access_checked_view(owner, film):
    still = with_image(StillFactory(clip=ClipFactory(film=film)))

    response = owner.get(film_url(film, "clips:still_image", still_id=still.pk))

    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == b"still jpeg bytes"


# ---------------------------------------------------------------------------
# Noted moments


def test_a_noted_moment_is_stored_and_listed(owner, film, practitioner):
    response = owner.post(film_url(film, "clips:annotation_create"), {"frame": 150, "note": "He hands you the block"})

    assert response.url == film_url(film) + "#annotations"
    note = Annotation.objects.get(film=film)
    assert (note.frame, note.note, note.created_by) == (150, "He hands you the block", practitioner)
    assertContains(owner.get(film_url(film)), "He hands you the block")


def test_a_moment_after_the_end_of_the_film_is_refused(owner, film):
    response = owner.post(film_url(film, "clips:annotation_create"), {"frame": 300, "note": "After the end"})

    assert response.status_code == 400
    assert not Annotation.objects.exists()


def test_a_noted_moment_can_be_deleted(owner, film):
    note = AnnotationFactory(film=film)

    owner.post(film_url(film, "clips:annotation_delete", annotation_id=note.pk))

    assert not Annotation.objects.filter(pk=note.pk).exists()


# ---------------------------------------------------------------------------
# Live status of the clips


def test_the_clip_status_lists_each_clip(owner, film):
    ready = ClipFactory(film=film, position=1)
    failed = ClipFactory(film=film, position=2, status=Clip.Status.FAILED, error="The clip could not be cut.")

    response = owner.get(film_url(film, "clips:clips_status"))

    assert response.json() == {
        "clips": [
            {"id": ready.pk, "status": "ready", "status_label": "Ready", "error": ""},
            {"id": failed.pk, "status": "failed", "status_label": "Failed", "error": "The clip could not be cut."},
        ]
    }


def test_the_clip_status_is_never_cached_nor_audited(owner, film):
    ClipFactory(film=film)

    response = owner.get(film_url(film, "clips:clips_status"))

    assert response["Cache-Control"] == "no-store"
    assert not audit_events(Action.VIEW).exists()


# ---------------------------------------------------------------------------
# Clip media


def test_a_clip_video_is_served_a_range_at_a_time(owner, film):
    clip = with_files(ClipFactory(film=film))

    response = owner.get(clip_url(clip, "clips:clip_media", kind="video"), headers={"Range": "bytes=0-9"})

    assert response.status_code == 206
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Range"] == "bytes 0-9/27"
    assert b"".join(response.streaming_content) == b"0123456789"


def test_a_clip_poster_is_served(owner, film):
    clip = with_files(ClipFactory(film=film))

    response = owner.get(clip_url(clip, "clips:clip_media", kind="poster"))

    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == b"clip poster bytes"


def test_a_clip_not_cut_yet_has_no_video(owner, film):
    clip = ClipFactory(film=film, status=Clip.Status.PROCESSING)

    assert owner.get(clip_url(clip, "clips:clip_media", kind="video")).status_code == 404


def test_only_the_video_and_poster_of_a_clip_are_served(owner, film):
    clip = with_files(ClipFactory(film=film))

    assert owner.get(clip_url(clip, "clips:clip_media", kind="original")).status_code == 404


# ---------------------------------------------------------------------------
# Consent to show the footage in supervision


@pytest.fixture
def footage(case):
    """The URLs that show the children: a film's playback copy, a clip, a still, the shared review."""
    film = FilmFactory(case=case)
    film.playback.save(film.storage_name("playback", "mp4"), ContentFile(b"film bytes"))
    clip = with_files(ClipFactory(film=film))
    still = with_image(StillFactory(clip=clip))
    return {
        "film": film_url(film, "clips:film_media", kind="playback"),
        "clip": clip_url(clip, "clips:clip_media", kind="video"),
        "still": film_url(film, "clips:still_image", still_id=still.pk),
        "review": film_url(film, "clips:shared_review"),
    }


FOOTAGE = ["film", "clip", "still", "review"]


@pytest.mark.parametrize("what", FOOTAGE)
def test_the_supervisor_sees_the_footage_while_consent_is_given(client, case, supervisor, footage, what):
    ConsentFactory(case=case, purpose=Consent.Purpose.SUPERVISION)
    client.force_login(supervisor)

    assert client.get(footage[what]).status_code == 200


@pytest.mark.parametrize("what", FOOTAGE)
@pytest.mark.parametrize("who", ["supervisor", "administrator"])
@pytest.mark.parametrize("consent", ["never recorded", "withdrawn"])
def test_without_consent_only_the_practitioner_sees_the_footage(request, client, case, footage, what, who, consent):
    if consent == "withdrawn":
        ConsentFactory(case=case, purpose=Consent.Purpose.SUPERVISION, withdrawn_on=date(2026, 10, 5))
    client.force_login(request.getfixturevalue(who))

    assert client.get(footage[what]).status_code == 403


@pytest.mark.parametrize("what", FOOTAGE)
def test_the_practitioner_always_sees_the_footage(owner, footage, what):
    assert owner.get(footage[what]).status_code == 200


def test_without_consent_the_film_page_says_the_film_and_its_clips_are_hidden_and_why(client, case, supervisor):
    film = FilmFactory(case=case)
    ClipFactory(film=film, caption="You waited for Sam")
    client.force_login(supervisor)

    response = client.get(film_url(film, "clips:film_detail"))

    assertContains(response, "The film and its clips are hidden.")
    assertContains(response, "has not consented (or has withdrawn consent)")
    assertNotContains(response, "You waited for Sam")
    assertNotContains(response, film_url(film, "clips:film_media", kind="playback"))
    assertNotContains(response, film_url(film, "clips:shared_review"))


# ---------------------------------------------------------------------------
# The shared review


def test_the_shared_review_plays_the_ready_clips_in_their_order(owner, film):
    second = ClipFactory(film=film, position=2, start_frame=50, end_frame=74, caption="Sam shows you", review_note="")
    first = ClipFactory(
        film=film, position=1, start_frame=150, end_frame=199, caption="You wait", review_note="Look at his smile"
    )
    tag(first, EYE_CONTACT)
    tag(first, "guiding")
    ClipFactory(film=film, position=3, status=Clip.Status.PROCESSING, caption="Still being cut")

    response = owner.get(film_url(film, "clips:shared_review"))

    assert playlist(response) == [
        {
            "id": first.pk,
            "src": clip_url(first, "clips:clip_media", kind="video"),
            "poster": clip_url(first, "clips:clip_media", kind="poster"),
            "caption": "You wait",
            "principles": [EYE_CONTACT_READS, "Guiding"],
            "note": "Look at his smile",
            "start": "00:00:06",
            "duration": "2.0 s",
        },
        {
            "id": second.pk,
            "src": clip_url(second, "clips:clip_media", kind="video"),
            "poster": clip_url(second, "clips:clip_media", kind="poster"),
            "caption": "Sam shows you",
            "principles": [],
            "note": "",
            "start": "00:00:02",
            "duration": "1.0 s",
        },
    ]
    assertContains(response, "1 clip not ready yet")
    assertNotContains(response, "Still being cut")


def test_the_shared_review_shows_the_helping_question(owner, case, film):
    ClipFactory(film=film)
    HelpingQuestionFactory(case=case, text="How can I help Sam to talk to me about his day?")

    response = owner.get(film_url(film, "clips:shared_review"))

    assertContains(response, "“How can I help Sam to talk to me about his day?”")


def test_the_shared_review_of_a_film_without_ready_clips_says_so(owner, film):
    ClipFactory(film=film, status=Clip.Status.PROCESSING)

    response = owner.get(film_url(film, "clips:shared_review"))

    assertContains(response, "No clips are ready for this film yet.")
    assertNotContains(response, 'id="review-clips"')


# ---------------------------------------------------------------------------
# The film page


def test_the_film_page_lists_its_clips_with_their_tags(owner, film):
    clip = ClipFactory(film=film, caption="You waited for Sam")
    tag(clip, EYE_CONTACT)

    response = owner.get(film_url(film, "clips:film_detail"))

    assertContains(response, "You waited for Sam")
    assertContains(response, f"(3.0 s; {EYE_CONTACT_READS})")


def test_the_practitioner_is_offered_the_micro_analysis_and_the_shared_review(owner, film):
    response = owner.get(film_url(film, "clips:film_detail"))

    assertContains(response, f'<a class="btn btn-primary" href="{film_url(film)}">Micro-analyse</a>', html=True)
    assertContains(response, f'href="{film_url(film, "clips:shared_review")}">Shared review</a>')


def test_the_supervisor_is_offered_the_shared_review_only(client, case, supervisor, film):
    ConsentFactory(case=case, purpose=Consent.Purpose.SUPERVISION)
    client.force_login(supervisor)

    response = client.get(film_url(film, "clips:film_detail"))

    assertContains(response, f'href="{film_url(film, "clips:shared_review")}">Shared review</a>')
    assertNotContains(response, "Micro-analyse")
    assertNotContains(response, film_url(film))
