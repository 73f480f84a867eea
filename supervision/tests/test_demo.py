"""The demo shows supervision: a trainee with counts, sessions logged, notes waiting for an answer."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from pytest_django.asserts import assertContains

from accounts.models import User
from supervision.models import SupervisionNote, SupervisionSession, Trainee

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_trainee_supervised_with_sessions_and_notes_to_answer(client, settings):
    settings.DEBUG = True
    call_command("seed_demo", "--no-films", stdout=StringIO())

    trainee = Trainee.objects.get()
    assert trainee.user.username == "practitioner2"
    assert SupervisionSession.objects.filter(practitioner=trainee.user).count() == 3
    assert SupervisionNote.objects.unanswered().count() == 2

    client.force_login(User.objects.get(username="supervisor"))
    assertContains(client.get(reverse("supervision:home")), "3 of 4, 1 to go")
