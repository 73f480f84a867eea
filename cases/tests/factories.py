import datetime

import factory

from accounts.tests.factories import UserFactory
from cases.models import Case, Child, Client, Consent, Goal, GoalRating, HelpingQuestion, RelationshipDescription, Team


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    full_name = factory.Faker("name", locale="en_GB")
    relationship_to_child = "mother"


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Child

    name = factory.Faker("first_name")
    age_at_referral = 6
    school_or_setting = "Riverside Primary"


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    reference = factory.Sequence(lambda n: f"VIG-2026-{n + 1:04d}")
    client = factory.SubFactory(ClientFactory)
    child = factory.SubFactory(ChildFactory)
    practitioner = factory.SubFactory(UserFactory)
    team = factory.LazyAttribute(lambda c: c.practitioner.team or TeamFactory())
    status = Case.Status.ACTIVE
    opened_on = datetime.date(2026, 9, 1)


class HelpingQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HelpingQuestion

    case = factory.SubFactory(CaseFactory)
    text = "How can I help Sam to talk to me about his day?"
    agreed_on = datetime.date(2026, 9, 8)


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    case = factory.SubFactory(CaseFactory)
    description = factory.Sequence(lambda n: f"Enjoy reading together at bedtime ({n})")
    position = factory.Sequence(lambda n: n)


class GoalRatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GoalRating

    goal = factory.SubFactory(GoalFactory)
    phase = GoalRating.Phase.BASELINE
    score = 3


class RelationshipDescriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RelationshipDescription

    case = factory.SubFactory(CaseFactory)
    moment = RelationshipDescription.Moment.BEFORE
    subject = RelationshipDescription.Subject.CHILD
    text = "Shy with new people, funny at home"


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    case = factory.SubFactory(CaseFactory)
    purpose = Consent.Purpose.FILMING
    given_by = "The client"
    given_on = datetime.date(2026, 9, 8)
