"""seed_scale: a large, deterministic data set for measuring the caseload (run small here)."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import F

from cases.models import Case, Team
from sessions.models import CaseSummary, Session

pytestmark = pytest.mark.django_db

SMALL = ["--teams", "3", "--practitioners", "9", "--cases", "120", "--batch", "50"]


def seed(*extra):
    call_command("seed_scale", *SMALL, *extra, stdout=StringIO())


def fingerprint():
    return list(
        Case.objects.order_by("reference").values_list(
            "reference", "status", "opened_on", "practitioner__username", "summary__next_step"
        )
    )


def test_it_refuses_to_run_without_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        seed()

    assert not Case.objects.exists()


def test_force_runs_it_without_debug(settings):
    settings.DEBUG = False

    seed("--force")

    assert Case.objects.count() == 120


def test_it_makes_the_teams_people_and_cases_asked_for(settings):
    settings.DEBUG = True

    seed()

    User = get_user_model()
    assert Team.objects.count() == 3
    assert User.objects.filter(role="practitioner").count() == 9
    assert User.objects.filter(role="supervisor").count() == 3
    assert Case.objects.count() == 120
    assert set(Case.objects.values_list("status", flat=True)) == {"referred", "active", "closed"}
    assert Session.objects.filter(kind=Session.Kind.SHARED_REVIEW).exists()


def test_every_case_has_its_summary_written_from_the_rules(settings):
    settings.DEBUG = True

    seed()

    assert CaseSummary.objects.count() == 120
    assert len(set(CaseSummary.objects.values_list("next_step", flat=True))) > 10


def test_a_case_belongs_to_its_practitioners_team(settings):
    settings.DEBUG = True

    seed()

    assert not Case.objects.exclude(team=F("practitioner__team")).exists()


def test_the_same_seed_gives_the_same_data(settings):
    settings.DEBUG = True

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        seed()
        first = fingerprint()
        raise Undo
    seed()

    assert fingerprint() == first
    assert len(first) == 120


def test_it_refuses_to_seed_twice(settings):
    settings.DEBUG = True
    seed()

    with pytest.raises(CommandError, match="already there"):
        seed()
