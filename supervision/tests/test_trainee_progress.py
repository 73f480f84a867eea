"""A trainee's counts against their stage's targets, on histories built by hand."""

import datetime

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from accounts.tests.factories import UserFactory
from cases.tests.factories import CaseFactory, ClientFactory
from clips.models import Film
from clips.tests.factories import FilmFactory
from sessions.tests.factories import SharedReviewFactory
from supervision.models import AccreditationStage, Trainee
from supervision.progress import Target, targets, with_counts

from .factories import AccreditationStageFactory, SupervisionSessionFactory, TraineeFactory

pytestmark = pytest.mark.django_db

OCT = datetime.date(2026, 10, 1)


def day(n: int) -> datetime.date:
    return OCT + datetime.timedelta(days=n)


def cycle(case, *, filmed: int, reviewed: int, link=True, kind=Film.Kind.FAMILY):
    """A film recorded on day `filmed` and a shared review held on day `reviewed`."""
    film = FilmFactory(case=case, recorded_on=day(filmed), kind=kind)
    return SharedReviewFactory(case=case, held_on=day(reviewed), film=film if link else None)


def counts(user) -> tuple[int, int, int]:
    trainee = with_counts(Trainee.objects.filter(user=user)).get()
    return trainee.cycles_done, trainee.clients_done, trainee.sessions_done


@pytest.fixture
def trainee(practitioner):
    return TraineeFactory(user=practitioner)


def test_a_shared_review_after_a_film_is_a_completed_cycle(trainee, case):
    cycle(case, filmed=0, reviewed=7)

    assert counts(trainee.user)[0] == 1


def test_a_review_recorded_without_its_film_link_counts_when_a_film_came_before(trainee, case):
    cycle(case, filmed=0, reviewed=7, link=False)

    assert counts(trainee.user)[0] == 1


def test_a_review_with_no_film_before_it_is_not_a_completed_cycle(trainee, case):
    FilmFactory(case=case, recorded_on=day(10))
    SharedReviewFactory(case=case, held_on=day(7))

    assert counts(trainee.user)[0] == 0


def test_a_film_of_the_practitioners_own_review_does_not_complete_a_cycle(trainee, case):
    FilmFactory(case=case, recorded_on=day(0), kind=Film.Kind.REVIEW)
    SharedReviewFactory(case=case, held_on=day(7))

    assert counts(trainee.user)[0] == 0


def test_three_cycles_with_two_clients(trainee, practitioner):
    first, second = CaseFactory(practitioner=practitioner), CaseFactory(practitioner=practitioner)
    cycle(first, filmed=0, reviewed=5)
    cycle(first, filmed=10, reviewed=15)
    cycle(second, filmed=2, reviewed=6)

    assert counts(practitioner)[:2] == (3, 2)


def test_two_cases_of_the_same_client_are_one_client(trainee, practitioner):
    parent = ClientFactory()
    cycle(CaseFactory(practitioner=practitioner, client=parent), filmed=0, reviewed=5)
    cycle(CaseFactory(practitioner=practitioner, client=parent), filmed=0, reviewed=5)

    assert counts(practitioner)[:2] == (2, 1)


def test_another_practitioners_cycles_and_sessions_are_not_counted(trainee, other_practitioner, supervisor):
    cycle(CaseFactory(practitioner=other_practitioner), filmed=0, reviewed=5)
    SupervisionSessionFactory(practitioner=other_practitioner, supervisor=supervisor)

    assert counts(trainee.user) == (0, 0, 0)


def test_supervision_sessions_are_counted(trainee, supervisor):
    SupervisionSessionFactory.create_batch(3, practitioner=trainee.user, supervisor=supervisor)

    assert counts(trainee.user)[2] == 3


def test_only_what_happened_since_the_stage_began_is_counted(trainee, practitioner, supervisor):
    trainee.counting_from = day(10)
    trainee.save()
    case = CaseFactory(practitioner=practitioner)
    cycle(case, filmed=0, reviewed=5)  # before: not counted
    cycle(case, filmed=8, reviewed=12)  # reviewed after: counted, though filmed before
    SupervisionSessionFactory(practitioner=practitioner, supervisor=supervisor, held_on=day(9))
    SupervisionSessionFactory(practitioner=practitioner, supervisor=supervisor, held_on=day(10))

    assert counts(practitioner) == (1, 1, 1)


def test_a_target_says_how_many_are_left():
    assert Target("Completed cycles", 2, 6).summary == "2 of 6, 4 to go"
    assert Target("Completed cycles", 7, 6).summary == "7 of 6, done"
    assert Target("Completed cycles", 7, 6).shown == 6


def test_the_targets_are_the_stages(trainee, case, supervisor):
    trainee.stage.required_cycles, trainee.stage.required_clients, trainee.stage.required_sessions = 4, 2, 5
    trainee.stage.save()
    cycle(case, filmed=0, reviewed=5)
    SupervisionSessionFactory(practitioner=trainee.user, supervisor=supervisor)

    found = targets(with_counts(Trainee.objects.all()).get())

    assert [t.summary for t in found] == ["1 of 4, 3 to go", "1 of 2, 1 to go", "1 of 5, 4 to go"]


def test_the_trainee_sees_their_own_counts(client, trainee, case):
    cycle(case, filmed=0, reviewed=5)
    client.force_login(trainee.user)

    response = client.get(reverse("supervision:practitioner", args=[trainee.user.pk]))

    assertContains(response, "My supervision")
    assertContains(response, "Stage 1")
    assertContains(response, "1 of 6, 5 to go")
    assertContains(response, '<progress class="target-bar" value="1" max="6"')


def test_the_supervisor_sees_their_teams_trainees_and_not_others(client, trainee, other_practitioner, supervisor):
    other_practitioner.first_name = "Nobody-here"
    other_practitioner.save()
    TraineeFactory(user=other_practitioner)
    client.force_login(supervisor)

    response = client.get(reverse("supervision:home"))

    assertContains(response, trainee.user.display_name)
    assertContains(response, "0 of 6, 6 to go")
    assertNotContains(response, "Nobody-here")


def test_a_practitioner_who_is_not_a_trainee_is_told_so(client, practitioner):
    client.force_login(practitioner)

    assertContains(client.get(reverse("supervision:practitioner", args=[practitioner.pk])), "not recorded as a trainee")


@pytest.mark.parametrize("trainees", [1, 6])
def test_the_supervisors_page_costs_the_same_however_many_trainees(
    client, django_assert_max_num_queries, team, supervisor, trainees
):
    for _ in range(trainees):
        user = UserFactory(team=team)
        TraineeFactory(user=user)
        case = CaseFactory(practitioner=user)
        cycle(case, filmed=0, reviewed=5)
        SupervisionSessionFactory(practitioner=user, supervisor=supervisor, cases=[case])
    client.force_login(supervisor)

    # Session and user (2), trainees with their counts (1), practitioners with notes waiting (1),
    # sessions led (1), the session pushed on (3).
    with django_assert_max_num_queries(8):
        response = client.get(reverse("supervision:home"))

    assert response.content.decode().count('class="target-bar') == 3 * trainees


def test_an_administrator_changes_a_stages_targets_in_the_admin(client, administrator):
    stage = AccreditationStageFactory()
    client.force_login(administrator)

    response = client.post(
        reverse("admin:supervision_accreditationstage_change", args=[stage.pk]),
        {"name": "Stage 1", "order": 1, "required_cycles": 8, "required_clients": 4, "required_sessions": 6},
    )

    assert response.status_code == 302
    assert AccreditationStage.objects.values_list("required_cycles", "required_clients", "required_sessions").get() == (
        8,
        4,
        6,
    )


@pytest.mark.parametrize("who", ["practitioner", "supervisor"])
def test_only_administrators_reach_the_stages_in_the_admin(client, request, who):
    client.force_login(request.getfixturevalue(who))

    response = client.get(reverse("admin:supervision_accreditationstage_changelist"))

    assert response.status_code == 302 and "/admin/login/" in response["Location"]
