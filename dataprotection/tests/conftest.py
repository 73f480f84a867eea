"""A case with one of everything, every file in a storage of its own, so "nothing is left" can be walked."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from cases.models import Case, Consent
from cases.tests.factories import (
    ConsentFactory,
    GoalFactory,
    GoalRatingFactory,
    HelpingQuestionFactory,
    RelationshipDescriptionFactory,
)
from clips.tests.factories import AnnotationFactory, ClipFactory, FilmFactory, FilmUploadFactory, StillFactory
from letters import services as letter_services
from letters.models import TrajectLetter
from sessions.models import Session
from sessions.tests.factories import ClosingEventFactory, SessionFactory, SharedReviewFactory


def stored_files(storage=None, folder="") -> list[str]:
    """Every file name in the storage, walked through the storage API (works for a bucket too)."""
    storage = storage or default_storage
    if folder and not storage.exists(folder):
        return []
    folders, files = storage.listdir(folder)
    found = [f"{folder}/{name}" if folder else name for name in files]
    for sub in folders:
        found += stored_files(storage, f"{folder}/{sub}" if folder else sub)
    return sorted(found)


def _file(name: str, content: bytes = b"data") -> ContentFile:
    return ContentFile(content, name=name)


def make_everything(case) -> dict:
    """One of each kind of record and file on the case."""
    goal = GoalFactory(case=case)
    GoalRatingFactory(goal=goal, score=3)
    HelpingQuestionFactory(case=case)
    RelationshipDescriptionFactory(case=case)
    ConsentFactory(case=case, purpose=Consent.Purpose.SUPERVISION)
    film = FilmFactory(
        case=case,
        original=_file("original.mov", b"original film"),
        playback=_file("playback.mp4", b"playback copy"),
        poster=_file("poster.jpg"),
        thumbnails=_file("thumbnails.jpg"),
    )
    clip = ClipFactory(film=film, video=_file("clip.mp4", b"clip video"), poster=_file("clip-poster.jpg"))
    still = StillFactory(clip=clip, image=_file("still.jpg", b"still image"))
    AnnotationFactory(film=film)
    SessionFactory(case=case, kind=Session.Kind.FILMING, film=film)
    review = SharedReviewFactory(case=case, film=film)
    review.clips.add(clip)
    letter = TrajectLetter.objects.create(case=case, created_by=case.practitioner)
    letter.stills.add(still)
    letter.content = letter_services.build_content(letter)
    letter.status = TrajectLetter.Status.FINALISED
    letter.render_status = TrajectLetter.RenderStatus.READY
    letter.pdf = _file("letter.pdf", b"%PDF-1.7 letter")
    letter.save()
    upload = FilmUploadFactory(case=case, created_by=case.practitioner)
    return {"goal": goal, "film": film, "clip": clip, "still": still, "letter": letter, "upload": upload}


@pytest.fixture
def everything(media_root, case):
    return make_everything(case)


def close(case, on: datetime.date) -> Case:
    case.status = Case.Status.CLOSED
    case.closed_on = on
    case.save()
    ClosingEventFactory(case=case, on=on)
    return case
