import datetime

import factory

from cases.tests.factories import CaseFactory
from clips.models import Film, FilmUpload


class FilmFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Film

    case = factory.SubFactory(CaseFactory)
    recorded_on = datetime.date(2026, 10, 1)
    activity = "Reading a book"
    status = Film.Status.READY
    step = Film.Step.DONE


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
