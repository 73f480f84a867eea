from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from cases.management.commands.seed_demo import DEMO_PASSWORD, NORTH, SOUTH
from cases.models import (
    Case,
    Consent,
    GoalRating,
    HelpingQuestion,
    RelationshipDescription,
)
from clips.models import Clip, Film, Still

pytestmark = pytest.mark.django_db

User = get_user_model()

USERNAMES = ["admin", "supervisor", "supervisor.south", "practitioner", "practitioner2", "practitioner3"]


@pytest.fixture
def debug_on(settings):
    settings.DEBUG = True
    return settings


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", "--no-films", stdout=out)
    return out.getvalue()


def counts() -> dict:
    return {
        "users": User.objects.count(),
        "cases": Case.objects.count(),
        "questions": HelpingQuestion.objects.count(),
        "ratings": GoalRating.objects.count(),
        "descriptions": RelationshipDescription.objects.count(),
        "consents": Consent.objects.count(),
    }


def test_refuses_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only runs with DJANGO_DEBUG on"):
        call_command("seed_demo", "--no-films", stdout=StringIO())
    assert not User.objects.exists()
    assert not Case.objects.exists()


def test_creates_a_user_for_each_role_with_the_demo_password(debug_on):
    seed()
    users = {user.username: user for user in User.objects.all()}
    assert set(users) == set(USERNAMES)
    for user in users.values():
        assert user.check_password(DEMO_PASSWORD)
        assert user.first_name and user.last_name
    assert {user.role for user in users.values()} == set(User.Role.values)

    admin = users["admin"]
    assert admin.role == User.Role.ADMINISTRATOR
    assert admin.is_superuser and admin.is_staff
    for name in ("supervisor", "supervisor.south", "practitioner", "practitioner2", "practitioner3"):
        assert not users[name].is_superuser and not users[name].is_staff

    assert users["supervisor"].role == User.Role.SUPERVISOR
    assert list(users["supervisor"].supervised_teams.values_list("name", flat=True)) == [NORTH]
    assert list(users["supervisor.south"].supervised_teams.values_list("name", flat=True)) == [SOUTH]
    assert users["practitioner"].team.name == NORTH
    assert users["practitioner2"].team.name == NORTH
    assert users["practitioner3"].team.name == SOUTH


def test_creates_cases_at_every_stage(debug_on):
    seed()
    assert set(Case.objects.values_list("status", flat=True)) == set(Case.Status.values)
    assert all(ref.startswith("VIG-") for ref in Case.objects.values_list("reference", flat=True))
    practitioner = User.objects.get(username="practitioner")
    assert practitioner.cases.count() > Case.objects.exclude(practitioner=practitioner).count()

    for case in Case.objects.filter(status=Case.Status.REFERRED):
        assert not case.helping_questions.exists()
        assert not case.goals.exists()

    for case in Case.objects.filter(status=Case.Status.ACTIVE):
        assert case.helping_questions.exists()
        assert case.goals.count() >= 2
        assert case.descriptions.filter(moment="before").count() == 2
        assert case.has_consent(Consent.Purpose.FILMING)
        for goal in case.goals.all():
            phases = set(goal.ratings.values_list("phase", flat=True))
            assert {"baseline", "hoped_for"} <= phases
            assert "end" not in phases


def test_mid_way_cases_have_reviews_and_a_revised_helping_question(debug_on):
    seed()
    reviewed = Case.objects.filter(goals__ratings__phase=GoalRating.Phase.REVIEW).distinct()
    assert reviewed.exists()
    numbers = set(
        GoalRating.objects.filter(goal__case__status=Case.Status.ACTIVE, phase=GoalRating.Phase.REVIEW).values_list(
            "review_number", flat=True
        )
    )
    assert numbers == {1, 2}
    revised = [case for case in Case.objects.all() if case.helping_questions.count() == 2]
    assert revised
    case = revised[0]
    _first, second = sorted(case.helping_questions.all(), key=lambda q: q.agreed_on)
    assert case.current_helping_question == second


def test_a_closed_case_has_end_ratings_and_after_descriptions(debug_on):
    seed()
    closed = Case.objects.filter(status=Case.Status.CLOSED)
    assert closed.exists()
    for case in closed:
        assert case.closed_on is not None
        assert case.closed_on >= case.opened_on
        assert case.goals.exists()
        for goal in case.goals.all():
            found = goal.ratings_by_phase()
            assert found["baseline"] and found["hoped_for"] and found["end"]
            assert found["end"].rated_on == case.closed_on
        assert set(case.descriptions.filter(moment="after").values_list("subject", flat=True)) == {
            "child",
            "relationship",
        }
        assert case.has_consent(Consent.Purpose.LETTER_LINK)


def test_consent_warnings_have_something_to_show(debug_on):
    seed()
    withdrawn = Consent.objects.filter(purpose=Consent.Purpose.SUPERVISION, withdrawn_on__isnull=False)
    assert withdrawn.count() == 1
    case = withdrawn.get().case
    assert not case.has_consent(Consent.Purpose.SUPERVISION)
    assert {s.purpose: s.status for s in case.consent_overview()}["supervision"] == "withdrawn"

    # An active case with consents recorded, but none for training.
    missing_training = [
        case
        for case in Case.objects.filter(status=Case.Status.ACTIVE)
        if case.consents.exists() and not case.consents.filter(purpose=Consent.Purpose.TRAINING).exists()
    ]
    assert missing_training


def test_running_twice_does_not_duplicate(debug_on):
    seed()
    before = counts()
    references = sorted(Case.objects.values_list("reference", flat=True))
    out = seed()
    assert counts() == before
    assert sorted(Case.objects.values_list("reference", flat=True)) == references
    assert "already there" in out
    assert DEMO_PASSWORD in out
    for username in USERNAMES:
        assert username in out


def test_output_says_how_to_log_in(debug_on):
    out = seed()
    assert "http://127.0.0.1:8000/" in out
    assert DEMO_PASSWORD in out
    for username in USERNAMES:
        assert username in out
    for role in ("Administrator", "Supervisor", "Practitioner"):
        assert role in out


def test_refuses_when_only_some_demo_usernames_exist(debug_on):
    User.objects.create_user("practitioner", password="something-else-entirely")
    with pytest.raises(CommandError, match="practitioner"):
        seed()
    assert User.objects.count() == 1
    assert not Case.objects.exists()


def test_supervisor_sees_the_north_team_only(debug_on):
    seed()
    supervisor = User.objects.get(username="supervisor")
    visible = Case.objects.visible_to(supervisor)
    north = Case.objects.filter(team__name=NORTH)
    assert north.exists() and Case.objects.filter(team__name=SOUTH).exists()
    assert set(visible) == set(north)
    assert not visible.filter(team__name=SOUTH).exists()
    assert set(visible.values_list("practitioner__username", flat=True)) == {"practitioner", "practitioner2"}

    south_supervisor = User.objects.get(username="supervisor.south")
    assert set(Case.objects.visible_to(south_supervisor)) == set(Case.objects.filter(team__name=SOUTH))

    admin = User.objects.get(username="admin")
    assert Case.objects.visible_to(admin).count() == Case.objects.count()


def test_the_demo_has_ready_films_processed_by_the_real_pipeline(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())

    films = Film.objects.all()
    assert films.count() == 3
    for film in films:
        assert film.status == Film.Status.READY, film.error
        assert film.playback and film.poster and film.thumbnails
    # The first film of the mid-way case and of the closed case: tagged clips, a still from each.
    for status in (Case.Status.ACTIVE, Case.Status.CLOSED):
        first = films.filter(case__status=status).order_by("recorded_on").first()
        clips = list(first.clips.in_order())
        assert [c.status for c in clips] == [Clip.Status.READY] * 3, [c.error for c in clips]
        assert all(c.video and c.tags.exists() for c in clips)
        stills = [s for c in clips for s in c.stills.all()]
        assert [s.status for s in stills] == [Still.Status.READY] * 3, [s.error for s in stills]
        assert all(s.image and s.caption for s in stills)
