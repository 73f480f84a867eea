import datetime

import factory

from cases.tests.factories import CaseFactory
from sessions.models import ClosingEvent, Session, SharedReview
from sessions.services import next_review_number


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    case = factory.SubFactory(CaseFactory)
    kind = Session.Kind.INITIAL
    held_on = datetime.date(2026, 9, 8)
    place = Session.Place.HOME
    attendees = "The client and the child"


class SharedReviewFactory(factory.django.DjangoModelFactory):
    """A shared review and its session; numbered after the case's last review unless told."""

    class Meta:
        model = SharedReview

    case = factory.SubFactory(CaseFactory)
    session = factory.SubFactory(
        SessionFactory,
        case=factory.SelfAttribute("..case"),
        kind=Session.Kind.SHARED_REVIEW,
        held_on=factory.SelfAttribute("..held_on"),
    )
    number = factory.LazyAttribute(lambda review: next_review_number(review.case))
    client_noticed = "I waited for Sam and he showed me the tower."

    class Params:
        held_on = datetime.date(2026, 10, 8)


class ClosingEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClosingEvent

    case = factory.SubFactory(CaseFactory)
    kind = ClosingEvent.Kind.CLOSED
    reason = ClosingEvent.Reason.COMPLETED
