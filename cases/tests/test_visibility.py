"""`Case.objects.visible_to(user)`: the one gate for reading case data, and who may change a case.

The role matrix checks the HTTP answers; these tests check the queryset and
`Case.is_editable_by` themselves, including the shapes a join would get wrong
(two supervised teams, a team with two supervisors, a supervisor's own case in
a team they supervise).
"""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.tests.factories import UserFactory
from cases.models import Case
from cases.tests.factories import CaseFactory, TeamFactory

pytestmark = pytest.mark.django_db


def visible(user):
    return list(Case.objects.visible_to(user))


def test_practitioner_sees_their_own_case(case, practitioner):
    assert visible(practitioner) == [case]


def test_practitioner_does_not_see_a_case_of_another_team(case, other_practitioner):
    assert visible(other_practitioner) == []


def test_practitioner_does_not_see_a_colleagues_case_in_the_same_team(case, team):
    colleague = UserFactory(team=team)

    assert visible(colleague) == []


def test_supervisor_sees_the_cases_of_the_team_they_supervise(case, supervisor):
    assert visible(supervisor) == [case]


def test_supervisor_does_not_see_the_cases_of_another_team(case, other_supervisor):
    assert visible(other_supervisor) == []


def test_administrator_sees_every_case(case, other_practitioner, administrator):
    other_case = CaseFactory(practitioner=other_practitioner)

    assert set(visible(administrator)) == {case, other_case}


def test_inactive_user_sees_nothing_not_even_their_own_case(case, practitioner):
    practitioner.is_active = False
    practitioner.save()

    assert visible(practitioner) == []


def test_inactive_administrator_sees_nothing(case, administrator):
    administrator.is_active = False
    administrator.save()

    assert visible(administrator) == []


def test_anonymous_user_sees_nothing(case):
    assert visible(AnonymousUser()) == []


def test_supervisor_of_two_teams_sees_both_teams_cases_once_each(case, supervisor, other_team, other_practitioner):
    other_team.supervisors.add(supervisor)
    other_case = CaseFactory(practitioner=other_practitioner)

    cases = visible(supervisor)

    assert sorted(c.pk for c in cases) == sorted([case.pk, other_case.pk])


def test_case_is_listed_once_when_its_team_has_two_supervisors(case, team, supervisor):
    """A join on the supervisors table would repeat the case once per supervisor."""
    team.supervisors.add(UserFactory(supervisor=True))

    assert visible(supervisor) == [case]
    assert Case.objects.visible_to(supervisor).count() == 1


def test_supervisor_sees_their_own_cases_in_a_team_they_do_not_supervise(supervisor, other_team):
    own = CaseFactory(practitioner=supervisor, team=other_team)

    assert visible(supervisor) == [own]


def test_supervisor_own_case_in_their_supervised_team_is_listed_once(supervisor, team):
    own = CaseFactory(practitioner=supervisor, team=team)

    assert visible(supervisor) == [own]


def test_active_leaves_out_closed_cases(practitioner):
    open_case = CaseFactory(practitioner=practitioner)
    CaseFactory(practitioner=practitioner, status=Case.Status.CLOSED, closed_on=datetime.date(2026, 10, 1))

    assert list(Case.objects.visible_to(practitioner).active()) == [open_case]


def test_visible_to_does_not_widen_an_already_filtered_queryset(case, practitioner):
    CaseFactory(practitioner=practitioner, status=Case.Status.REFERRED)

    assert list(Case.objects.filter(status=Case.Status.ACTIVE).visible_to(practitioner)) == [case]


def test_the_case_practitioner_may_edit_it(case, practitioner):
    assert case.is_editable_by(practitioner)


def test_an_administrator_may_edit_any_case(case, administrator):
    assert case.is_editable_by(administrator)


def test_the_supervisor_reads_but_may_not_edit_the_case(case, supervisor):
    assert not case.is_editable_by(supervisor)


def test_another_practitioner_may_not_edit_the_case(case, other_practitioner):
    assert not case.is_editable_by(other_practitioner)


def test_an_anonymous_user_may_not_edit_the_case(case):
    assert not case.is_editable_by(AnonymousUser())


def test_a_supervisor_may_edit_a_case_they_practise_on_themselves(supervisor):
    own = CaseFactory(practitioner=supervisor, team=TeamFactory())

    assert own.is_editable_by(supervisor)
