"""`services.create_case` and `services.next_reference`: one case, its client and child, a free reference."""

import datetime
from unittest import mock

import pytest
from django.db import IntegrityError

from cases import services
from cases.models import Case, Child, Client
from cases.tests.factories import CaseFactory, ChildFactory, ClientFactory

pytestmark = pytest.mark.django_db


def new_case(practitioner, *, opened_on=datetime.date(2026, 9, 1), client=None, **case_fields) -> Case:
    return services.create_case(
        client=client or ClientFactory.build(),
        child=ChildFactory.build(),
        practitioner=practitioner,
        team=practitioner.team,
        opened_on=opened_on,
        **case_fields,
    )


def test_create_case_saves_the_client_child_and_case(practitioner, team):
    case = new_case(practitioner)

    case.refresh_from_db()
    assert (case.practitioner, case.team) == (practitioner, team)
    assert (Client.objects.count(), Child.objects.count()) == (1, 1)


def test_create_case_reuses_an_existing_client(practitioner):
    existing = ClientFactory()

    case = new_case(practitioner, client=existing)

    assert case.client_id == existing.pk
    assert Client.objects.count() == 1


def test_first_case_of_a_year_is_numbered_0001(practitioner):
    assert new_case(practitioner).reference == "VIG-2026-0001"


def test_cases_are_numbered_in_order_within_a_year(practitioner):
    new_case(practitioner)

    assert new_case(practitioner, opened_on=datetime.date(2026, 12, 31)).reference == "VIG-2026-0002"


def test_numbering_starts_again_in_a_new_year(practitioner):
    new_case(practitioner, opened_on=datetime.date(2026, 12, 31))
    new_case(practitioner, opened_on=datetime.date(2026, 12, 31))

    assert new_case(practitioner, opened_on=datetime.date(2027, 1, 1)).reference == "VIG-2027-0001"


def test_each_year_keeps_its_own_numbering(practitioner):
    new_case(practitioner, opened_on=datetime.date(2025, 6, 1))
    new_case(practitioner, opened_on=datetime.date(2026, 6, 1))

    assert new_case(practitioner, opened_on=datetime.date(2025, 7, 1)).reference == "VIG-2025-0002"


def test_the_year_comes_from_the_opening_date_not_today(practitioner):
    assert new_case(practitioner, opened_on=datetime.date(2019, 3, 4)).reference == "VIG-2019-0001"


def test_next_reference_follows_the_highest_number_not_the_latest_case(practitioner):
    CaseFactory(practitioner=practitioner, reference="VIG-2026-0007")
    CaseFactory(practitioner=practitioner, reference="VIG-2026-0003")

    assert services.next_reference(2026) == "VIG-2026-0008"


def test_next_reference_sorts_10000_after_9999(practitioner):
    """As text, VIG-2026-9999 sorts after VIG-2026-10000; the length decides first."""
    CaseFactory(practitioner=practitioner, reference="VIG-2026-9999")
    CaseFactory(practitioner=practitioner, reference="VIG-2026-10000")

    assert services.next_reference(2026) == "VIG-2026-10001"


def test_next_reference_after_9999_is_10000(practitioner):
    CaseFactory(practitioner=practitioner, reference="VIG-2026-9999")

    assert services.next_reference(2026) == "VIG-2026-10000"


def test_next_reference_ignores_other_years(practitioner):
    CaseFactory(practitioner=practitioner, reference="VIG-2025-0041")

    assert services.next_reference(2026) == "VIG-2026-0001"


def test_a_reference_taken_at_the_same_moment_is_retried_with_the_next_number(practitioner):
    """Two practitioners saving together can pick the same number; the second takes the next one."""
    CaseFactory(practitioner=practitioner, reference="VIG-2026-0001")
    real_next_reference = services.next_reference
    # The first call sees the database as it was before the other save.
    answers = iter(["VIG-2026-0001"])

    def racing_next_reference(year):
        return next(answers, None) or real_next_reference(year)

    with mock.patch.object(services, "next_reference", side_effect=racing_next_reference):
        case = new_case(practitioner)

    assert case.reference == "VIG-2026-0002"


def test_any_other_integrity_error_is_raised_and_not_retried(practitioner):
    """A closed case without a closing date breaks a check constraint: a real fault, not a race."""
    with mock.patch.object(services, "next_reference", wraps=services.next_reference) as next_reference:
        with pytest.raises(IntegrityError):
            new_case(practitioner, status=Case.Status.CLOSED, closed_on=None)

    assert next_reference.call_count == 1


def test_a_failed_create_leaves_no_client_or_child_behind(practitioner):
    with pytest.raises(IntegrityError):
        new_case(practitioner, status=Case.Status.CLOSED, closed_on=None)

    assert (Client.objects.count(), Child.objects.count(), Case.objects.count()) == (0, 0, 0)


def test_it_gives_up_after_five_taken_references(practitioner):
    CaseFactory(practitioner=practitioner, reference="VIG-2026-0001")

    with mock.patch.object(services, "next_reference", return_value="VIG-2026-0001"):
        with pytest.raises(RuntimeError, match="after 5 attempts"):
            new_case(practitioner)

    assert Case.objects.count() == 1
