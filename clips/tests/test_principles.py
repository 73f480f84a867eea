"""The principles of attuned interactions (shared/design/VIG.md), loaded as data by a migration.

Clip tags point at these rows by their codes, so the codes are the contract:
wording may change, codes may not.
"""

import importlib

import pytest
from django.apps import apps

from clips.models import ClipTag, Principle, PrincipleElement
from clips.templatetags.clip_tags import timecode
from clips.tests.factories import ClipFactory

pytestmark = pytest.mark.django_db

PRINCIPLE_CODES = [
    "attentive",
    "encouraging_initiatives",
    "receiving_initiatives",
    "developing_attuned_interactions",
    "guiding",
    "deepening_discussion",
]


def test_the_six_principles_are_there_numbered_from_the_simplest():
    principles = list(Principle.objects.all())

    assert [(p.number, p.code) for p in principles] == list(enumerate(PRINCIPLE_CODES, start=1))
    assert principles[0].name == "Being attentive"
    assert principles[5].name == "Deepening discussion"


def test_each_principle_has_its_observable_elements():
    counts = [(p.code, p.elements.count()) for p in Principle.objects.all()]

    assert counts == list(zip(PRINCIPLE_CODES, [4, 7, 6, 8, 6, 8], strict=True))


def test_an_element_is_found_by_its_stable_dotted_code():
    element = PrincipleElement.objects.get(code="receiving_initiatives.returning_eye_contact")

    assert element.principle.code == "receiving_initiatives"
    assert element.text == "Returning eye contact, smiling, nodding in response"


def test_every_element_code_starts_with_its_principles_code():
    for element in PrincipleElement.objects.select_related("principle"):
        prefix, _, rest = element.code.partition(".")
        assert prefix == element.principle.code, element.code
        assert rest and "." not in rest, element.code


def test_the_elements_of_a_principle_are_numbered_in_the_order_of_the_taxonomy():
    for principle in Principle.objects.prefetch_related("elements"):
        positions = [e.position for e in principle.elements.all()]
        assert positions == list(range(1, len(positions) + 1)), principle.code

    first_three = PrincipleElement.objects.filter(principle__code="attentive")[:3]
    assert [e.code for e in first_three] == [
        "attentive.looking_interested",
        "attentive.giving_time_and_space",
        "attentive.wondering",
    ]


def test_an_element_reads_as_its_principle_then_its_words():
    element = PrincipleElement.objects.get(code="receiving_initiatives.returning_eye_contact")

    assert str(element) == "receiving initiatives: returning eye contact, smiling, nodding in response"


def test_a_tag_reads_as_its_element_or_as_the_whole_principle():
    clip = ClipFactory()
    element = PrincipleElement.objects.get(code="guiding.scaffolding")
    whole = ClipTag.objects.create(clip=clip, principle=Principle.objects.get(code="attentive"))
    detailed = ClipTag.objects.create(clip=clip, principle=element.principle, element=element)

    assert str(whole) == "Being attentive"
    assert str(detailed) == "guiding: scaffolding"


def test_loading_the_principles_again_changes_nothing():
    """The data migration updates by code, so running it twice (or a wording fix after it) never duplicates."""
    migration = importlib.import_module("clips.migrations.0003_load_principles")
    before = list(PrincipleElement.objects.values_list("pk", "code", "text", "position"))

    migration.load(apps, None)

    assert Principle.objects.count() == 6
    assert list(PrincipleElement.objects.values_list("pk", "code", "text", "position")) == before


@pytest.mark.parametrize(
    "frame,fps,expected",
    [(0, 25, "00:00:00:00"), (24, 25, "00:00:00:24"), (25, 25, "00:00:01:00"), (90061 * 30, 30, "25:01:01:00")],
)
def test_a_timecode_counts_frames_within_the_second(frame, fps, expected):
    assert timecode(frame, fps) == expected
