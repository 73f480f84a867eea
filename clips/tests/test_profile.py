"""Principle profiles: in how many clips each principle of attuned interactions was tagged."""

import pytest

from clips.models import Clip, ClipTag, Principle, PrincipleElement
from clips.profile import case_profile, film_profile, principle_profile
from clips.tests.factories import AnnotationFactory, ClipFactory, FilmFactory

pytestmark = pytest.mark.django_db


def principle(number) -> Principle:
    return Principle.objects.get(number=number)


def tag(clip, number, element_position=None):
    p = principle(number)
    element = None if element_position is None else PrincipleElement.objects.get(principle=p, position=element_position)
    return ClipTag.objects.create(clip=clip, principle=p, element=element)


def counts(profile) -> dict[int, int]:
    return {p.number: p.clips for p in profile.principles}


@pytest.fixture
def film(case):
    return FilmFactory(case=case)


def test_it_counts_the_clips_each_principle_was_tagged_in(film):
    first, second, third = ClipFactory(film=film), ClipFactory(film=film), ClipFactory(film=film)
    tag(first, 1)
    tag(second, 1)
    tag(second, 3)
    tag(third, 3)

    profile = film_profile(film)

    assert profile.total_clips == 3
    assert counts(profile) == {1: 2, 2: 0, 3: 2, 4: 0, 5: 0, 6: 0}


def test_a_clip_tagged_with_several_elements_of_a_principle_counts_once_for_it(film):
    clip = ClipFactory(film=film)
    tag(clip, 2, element_position=1)
    tag(clip, 2, element_position=2)
    tag(clip, 2)

    assert counts(film_profile(film))[2] == 1


def test_annotations_carry_no_principle_and_do_not_count(film):
    AnnotationFactory(film=film, clip=ClipFactory(film=film))

    profile = film_profile(film)

    assert profile.total_clips == 1
    assert sum(counts(profile).values()) == 0


def test_principles_seen_in_under_a_tenth_of_the_clips_are_marked_rarely_seen(film):
    clips = [ClipFactory(film=film) for _ in range(11)]
    for clip in clips:
        tag(clip, 1)
    tag(clips[0], 5)

    profile = film_profile(film)

    assert [p.number for p in profile.rarely_seen] == [2, 3, 4, 5, 6]
    assert [p.number for p in profile.most_seen] == [1]


def test_a_principle_in_a_tenth_of_the_clips_is_not_rarely_seen(film):
    clips = [ClipFactory(film=film) for _ in range(10)]
    tag(clips[0], 6)

    assert 6 not in [p.number for p in film_profile(film).rarely_seen]


def test_nothing_is_rarely_seen_when_there_are_no_clips(film):
    profile = film_profile(film)

    assert (profile.total_clips, profile.rarely_seen) == (0, [])


def test_a_case_profile_counts_the_clips_of_all_its_films(case):
    tag(ClipFactory(film=FilmFactory(case=case)), 4)
    tag(ClipFactory(film=FilmFactory(case=case)), 4)
    tag(ClipFactory(), 4)  # another case

    profile = case_profile(case)

    assert (profile.total_clips, counts(profile)[4]) == (2, 2)


@pytest.mark.parametrize("number_of_clips", [1, 8])
def test_a_profile_is_two_queries_whatever_the_number_of_clips(film, django_assert_num_queries, number_of_clips):
    for i in range(number_of_clips):
        tag(ClipFactory(film=film), i % 6 + 1)

    with django_assert_num_queries(2):
        principle_profile(Clip.objects.filter(film=film))


def test_the_chart_says_the_counts_in_words(film):
    tag(ClipFactory(film=film), 1)
    tag(ClipFactory(film=film), 1)

    chart = film_profile(film).chart()

    assert chart["description"].startswith("Out of 2 clips: Being attentive: 2 clips; ")
    assert "Guiding: 0 clips (not seen)" in chart["description"]


def test_the_film_page_shows_the_profile(client, practitioner, film):
    tag(ClipFactory(film=film), 3)
    client.force_login(practitioner)

    page = client.get(film.get_absolute_url()).content.decode()

    assert '<svg class="principle-chart"' in page
    assert "Receiving initiatives: 1 clip;" in page


def test_the_case_page_shows_the_profile(client, supervisor, case, film):
    tag(ClipFactory(film=film), 3)
    client.force_login(supervisor)

    page = client.get(case.get_absolute_url()).content.decode()

    assert "Principles seen" in page
    assert "Out of 1 clip: Being attentive: 0 clips (not seen)" in page


def test_the_practitioner_outcomes_page_shows_the_profile_of_films_recorded_in_the_period(
    client, supervisor, practitioner, case
):
    from django.urls import reverse

    tag(ClipFactory(film=FilmFactory(case=case, recorded_on="2026-03-01")), 2)
    tag(ClipFactory(film=FilmFactory(case=case, recorded_on="2025-03-01")), 5)
    client.force_login(supervisor)

    url = reverse("outcomes:practitioner", kwargs={"user_id": practitioner.pk})
    page = client.get(url + "?start=2026-01-01&end=2026-12-31").content.decode()

    assert "Out of 1 clip: Being attentive: 0 clips (not seen); Encouraging initiatives: 1 clip;" in page
