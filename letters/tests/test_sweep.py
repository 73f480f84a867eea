"""The sweep that sends again a letter render whose worker died or whose message was lost."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clips import pipeline
from letters import rendering, services, sweep
from letters.models import TrajectLetter


@pytest.fixture
def sent(monkeypatch):
    """What the sweep queues, rendered at once, as a worker would."""
    ids = []

    def deliver(letter_id):
        ids.append(letter_id)
        rendering.render_letter_pdf(letter_id)

    monkeypatch.setattr("letters.tasks.render_letter_pdf_task.delay", deliver)
    return ids


def finalised_letter(case) -> TrajectLetter:
    """A finalised letter waiting for its PDF (finalise queues it on commit; these tests never commit)."""
    letter = services.start_draft(case, case.practitioner)
    letter.account_of_progress = "You waited, and Sam came back to you."
    letter.save()
    services.finalise(letter, case.practitioner)
    letter.refresh_from_db()
    assert letter.render_status == TrajectLetter.RenderStatus.PROCESSING
    return letter


def test_a_render_whose_worker_died_is_rendered_after_the_lease_lapses(case, sent, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    letter = finalised_letter(case)
    assert pipeline.claim(TrajectLetter, letter.pk, status_field="render_status")  # a worker took it, then died

    assert sweep.requeue_stalled_renders() == []  # the lease still holds
    time_machine.shift(timedelta(seconds=pipeline.lease_length().total_seconds() + 1))
    assert sweep.requeue_stalled_renders() == [letter.pk]

    letter.refresh_from_db()
    assert letter.render_status == TrajectLetter.RenderStatus.READY, letter.error
    assert letter.attempts == 2 and letter.lease_until is None
    assert letter.pdf.name == letter.pdf_storage_name()
    assert sent == [letter.pk]


def test_a_render_whose_message_was_lost_is_sent_after_five_minutes(case, sent, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    letter = finalised_letter(case)  # queued, but no worker ever took it

    time_machine.shift(timedelta(minutes=4))
    assert sweep.requeue_stalled_renders() == []
    time_machine.shift(timedelta(minutes=2))
    assert sweep.requeue_stalled_renders() == [letter.pk]

    letter.refresh_from_db()
    assert letter.render_status == TrajectLetter.RenderStatus.READY, letter.error
    assert letter.attempts == 1


def test_drafts_finished_and_failed_renders_are_left_alone(case, other_practitioner, sent, time_machine):
    from cases.tests.factories import CaseFactory

    time_machine.move_to(timezone.now(), tick=False)
    ready = finalised_letter(case)
    TrajectLetter.objects.filter(pk=ready.pk).update(render_status=TrajectLetter.RenderStatus.READY)
    services.start_draft(case, case.practitioner)  # version 2, a draft
    other_case = CaseFactory(practitioner=other_practitioner, team=other_practitioner.team)
    failed = finalised_letter(other_case)
    TrajectLetter.objects.filter(pk=failed.pk).update(render_status=TrajectLetter.RenderStatus.FAILED)

    time_machine.shift(timedelta(hours=1))

    assert sweep.requeue_stalled_renders() == []
    assert sent == []


def test_a_render_sent_again_is_not_sent_again_by_the_next_sweep(case, monkeypatch, time_machine):
    queued = []
    monkeypatch.setattr("letters.tasks.render_letter_pdf_task.delay", queued.append)
    time_machine.move_to(timezone.now(), tick=False)
    letter = finalised_letter(case)
    time_machine.shift(timedelta(minutes=6))

    assert sweep.requeue_stalled_renders() == [letter.pk]
    time_machine.shift(timedelta(minutes=1))
    assert sweep.requeue_stalled_renders() == []
    assert queued == [letter.pk]


def test_the_sweep_runs_on_the_beat_schedule(settings):
    from vig.celery import app

    task = "letters.tasks.requeue_stalled_renders_task"
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == task]
    assert len(entries) == 1
    assert entries[0]["schedule"] == float(settings.CELERY_BEAT_SCHEDULE["requeue-stalled-films"]["schedule"])
    app.loader.import_default_modules()
    assert task in app.tasks


def test_a_retried_render_is_not_taken_for_a_lost_one(case, monkeypatch, time_machine):
    queued = []
    monkeypatch.setattr("letters.tasks.render_letter_pdf_task.delay", queued.append)
    time_machine.move_to(timezone.now(), tick=False)
    letter = finalised_letter(case)
    TrajectLetter.objects.filter(pk=letter.pk).update(render_status=TrajectLetter.RenderStatus.FAILED)
    letter.refresh_from_db()
    time_machine.shift(timedelta(days=2))

    services.retry_render(letter)  # queues on commit; this test never commits

    assert sweep.requeue_stalled_renders() == []
    assert queued == []
