"""The case page: where the case stands, and its timeline grouped by cycle."""

import datetime
from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from cases.models import Consent
from cases.tests.factories import ConsentFactory, RelationshipDescriptionFactory
from clips.models import Film

from .factories import SessionFactory
from .stages import FIRST_FILM, cycles, film, review, started

pytestmark = pytest.mark.django_db


def timeline(response) -> list[tuple[str, list[str]]]:
    return [(group.title, [entry.title for entry in group.entries]) for group in response.context["timeline"]]


def test_the_panel_shows_where_the_case_stands_and_the_next_step(client, case, practitioner):
    started(case)
    film(case, FIRST_FILM, clips=0)
    client.force_login(practitioner)

    response = client.get(case.get_absolute_url())

    page = response.content.decode()
    assert "Where the case stands" in page
    assert "Film 1 recorded, clips not selected yet" in page
    assert "Micro-analyse film 1" in page
    assert reverse("vig_sessions:session_create", args=[case.reference]) in page
    assert reverse("vig_sessions:review_create", args=[case.reference]) in page
    assert reverse("vig_sessions:case_close", args=[case.reference]) in page


def test_the_panel_lists_what_needs_attention(client, case, practitioner):
    started(case)
    ConsentFactory(case=case, purpose=Consent.Purpose.TRAINING, withdrawn_on=datetime.date(2026, 9, 20))
    client.force_login(practitioner)

    response = client.get(case.get_absolute_url())

    assert "Needs attention" in response.content.decode()
    assert "Consent withdrawn: Clips shown at training events or presentations" in response.content.decode()


def test_a_supervisor_sees_the_next_step_but_no_buttons_to_act_on_it(client, case, supervisor):
    started(case)
    client.force_login(supervisor)

    response = client.get(case.get_absolute_url())

    page = response.content.decode()
    assert "Film 1 to record" in page
    assert reverse("vig_sessions:session_create", args=[case.reference]) not in page
    assert reverse("vig_sessions:case_close", args=[case.reference]) not in page
    assert reverse("vig_sessions:case_reopen", args=[case.reference]) not in page


def test_the_timeline_groups_the_case_by_cycle_newest_first(client, case, practitioner):
    started(case, goals=1)
    cycles(case, 2)
    film(case, datetime.date(2026, 11, 10), clips=0)
    client.force_login(practitioner)

    response = client.get(case.get_absolute_url())

    assert timeline(response) == [
        ("Cycle 3: Film 3, under way", ["Film 3 recorded", "Filming: film 3"]),
        (
            "Cycle 2: Film 2 → Review 2",
            ["Review 2", "3 clips chosen from film 2", "Film 2 recorded", "Filming: film 2"],
        ),
        (
            "Cycle 1: Film 1 → Review 1",
            ["Review 1", "3 clips chosen from film 1", "Film 1 recorded", "Filming: film 1"],
        ),
        ("Getting started", ["Initial meeting", "Ratings at the start", "Helping Question agreed"]),
    ]


def test_the_timeline_can_run_oldest_first(client, case, practitioner):
    started(case, goals=1)
    cycles(case, 1)
    client.force_login(practitioner)

    response = client.get(case.get_absolute_url(), {"timeline": "oldest"})

    assert [title for title, _ in timeline(response)] == ["Getting started", "Cycle 1: Film 1 → Review 1"]
    assert timeline(response)[0][1] == ["Helping Question agreed", "Ratings at the start", "Initial meeting"]
    assert 'href="?timeline=newest#timeline"' in response.content.decode()


def test_a_review_in_the_timeline_shows_its_film_clips_and_ratings(client, case, practitioner):
    started(case, goals=2)
    cycles(case, 1)
    client.force_login(practitioner)

    response = client.get(case.get_absolute_url())

    entry = next(e for g in response.context["timeline"] for e in g.entries if e.title == "Review 1")
    assert entry.detail.startswith("Shared review: film 1 · 3 clips looked at · Goal 1: 4 · Goal 2: 4")


def test_ratings_and_sessions_fall_in_the_cycle_of_their_date(client, case, practitioner):
    started(case, goals=1)
    cycles(case, 1)
    SessionFactory(case=case, kind="other", held_on=FIRST_FILM + timedelta(days=3))
    client.force_login(practitioner)

    response = client.get(case.get_absolute_url(), {"timeline": "oldest"})

    assert timeline(response)[1] == (
        "Cycle 1: Film 1 → Review 1",
        ["Filming: film 1", "Film 1 recorded", "3 clips chosen from film 1", "Other contact", "Review 1"],
    )


def test_a_film_filmed_again_shows_which_film_the_review_looked_at(client, case, practitioner):
    started(case, goals=1)
    film(case, FIRST_FILM, status=Film.Status.FAILED, clips=0)
    second = film(case, FIRST_FILM + timedelta(days=2))
    review(case, FIRST_FILM + timedelta(days=9), film=second)
    client.force_login(practitioner)

    response = client.get(case.get_absolute_url())

    titles = [title for title, _ in timeline(response)]
    assert "Cycle 1: Film 2 → Review 1" in titles
    cycle_1 = dict(timeline(response))["Cycle 1: Film 2 → Review 1"]
    assert "Film 1 recorded" in cycle_1, "the failed film is part of the story of cycle 1"


def test_a_review_without_a_film_is_its_own_cycle(client, case, practitioner):
    started(case, goals=1)
    review(case, FIRST_FILM)
    client.force_login(practitioner)

    response = client.get(case.get_absolute_url())

    assert ("Cycle 1: Review 1, no film linked", ["Review 1"]) in timeline(response)
    assert "Review 1 recorded without a film" in response.content.decode()


def test_the_ending_is_its_own_group(client, case, practitioner):
    started(case, goals=1)
    cycles(case, 3)
    SessionFactory(case=case, kind="ending", held_on=datetime.date(2026, 11, 20))
    client.force_login(practitioner)

    response = client.get(case.get_absolute_url())

    assert timeline(response)[0] == ("Ending", ["Ending meeting"])


def test_a_case_with_nothing_recorded_says_so(client, case, practitioner):
    client.force_login(practitioner)

    response = client.get(case.get_absolute_url())

    assert response.context["timeline"] == []
    assert "Nothing recorded yet." in response.content.decode()


def test_a_review_rating_shows_in_the_goal_chart(client, case, practitioner):
    started(case, goals=1)
    cycles(case, 1)
    client.force_login(practitioner)

    response = client.get(case.get_absolute_url())

    chart = response.content.decode().split('<svg class="goal-chart"')[1].split("</svg>")[0]
    assert ">Review 1</text>" in chart
    assert ">4</text>" in chart
    assert "Start 3, Review 1 4; hoped for 8" in chart


# Session and user (2), the case (1), its view event (1), the 8 prefetches of
# sessions.progress, the session pushed on (3), supervision notes, review films
# and supervision sessions (3: see supervision_tags), the retention policy (1), the
# principle profile (2, clips/profile.py).
CASE_PAGE_QUERIES = 21


@pytest.mark.parametrize("size", [1, 5])
def test_the_case_page_costs_the_same_however_many_sessions(
    client, django_assert_max_num_queries, case, practitioner, size
):
    """1 cycle and a few sessions, or 5 cycles and many, each row recorded by its own user."""
    started(case, goals=2)
    cycles(case, size)
    for day in range(4 * size):
        SessionFactory(case=case, kind="other", held_on=datetime.date(2026, 9, 10) + timedelta(days=day))
        SessionFactory(case=case, kind="filming", held_on=datetime.date(2026, 9, 10) + timedelta(days=day))
    for session in case.sessions.all():
        session.recorded_by = UserFactory()
        session.save()
    RelationshipDescriptionFactory(case=case)
    ConsentFactory(case=case, withdrawn_on=datetime.date(2026, 10, 1))
    client.force_login(practitioner)

    with django_assert_max_num_queries(CASE_PAGE_QUERIES):
        response = client.get(case.get_absolute_url())

    entries = [e for g in response.context["timeline"] for e in g.entries]
    assert sum(e.kind == "review" for e in entries) == size
    assert sum(e.kind == "session" for e in entries) == 8 * size + size + 1
