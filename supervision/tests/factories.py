import datetime

import factory

from supervision.models import AccreditationStage, SupervisionNote, SupervisionSession, Trainee


class AccreditationStageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccreditationStage
        django_get_or_create = ("order",)

    order = 1
    name = factory.LazyAttribute(lambda stage: f"Stage {stage.order}")
    required_cycles = 6
    required_clients = 3
    required_sessions = 4


class TraineeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trainee

    stage = factory.SubFactory(AccreditationStageFactory)


class SupervisionSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupervisionSession
        skip_postgeneration_save = True

    held_on = datetime.date(2026, 10, 20)
    duration_minutes = 60
    notes = "Looked at turn-taking in the second film."

    @factory.post_generation
    def cases(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.cases.set(extracted)

    @factory.post_generation
    def clips(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.clips.set(extracted)

    @factory.post_generation
    def films(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.films.set(extracted)


class SupervisionNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupervisionNote

    author_role = SupervisionNote.Role.SUPERVISOR
    text = "What did you notice about the pauses before Sam answered?"
