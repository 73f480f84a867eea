import datetime

import factory

from cases.tests.factories import CaseFactory
from clips.models import Annotation, Clip, Film, FilmUpload, Still


class FilmFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Film

    case = factory.SubFactory(CaseFactory)
    recorded_on = datetime.date(2026, 10, 1)
    activity = "Reading a book"
    status = Film.Status.READY
    step = Film.Step.DONE
    duration = 12.0
    frame_rate = 25.0


class FilmUploadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FilmUpload
        skip_postgeneration_save = True

    case = factory.SubFactory(CaseFactory)
    created_by = factory.LazyAttribute(lambda u: u.case.practitioner)
    length = 10
    expires_at = factory.LazyFunction(FilmUpload.expiry_from_now)

    @factory.post_generation
    def part_file(obj, create, extracted, **kwargs):
        if create:
            obj.path.parent.mkdir(parents=True, exist_ok=True)
            obj.path.write_bytes(b"")


class ClipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clip

    film = factory.SubFactory(FilmFactory)
    start_frame = 25
    end_frame = 99
    caption = "You waited, and Sam showed you the tower"
    status = Clip.Status.READY
    position = factory.Sequence(lambda n: n + 1)


class StillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Still

    clip = factory.SubFactory(ClipFactory)
    frame = 50
    caption = "Sam looks up at you"
    status = Still.Status.READY


class AnnotationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Annotation

    film = factory.SubFactory(FilmFactory)
    frame = 120
    note = "Lovely turn-taking here"
