"""Retention: a deletion date on every kind of record, and the daily job that deletes what is due."""

import datetime
import logging
import re

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from audit.models import AuditEvent
from cases.models import Case
from cases.tests.factories import CaseFactory
from clips.models import Clip, Film, Still
from dataprotection import retention
from dataprotection.models import CaseErasure, RetentionPolicy, RetentionRun
from dataprotection.retention import add_months, apply_retention, closed_on_or_before, dates_for, dry_run
from dataprotection.tasks import apply_retention_task

from .conftest import close, make_everything, stored_files

CLOSED = datetime.date(2026, 1, 15)
# Session, user, policy, one query per kind of record, recent runs, erasures and exports.
OVERVIEW_QUERIES = 20


@pytest.fixture
def closed_case(everything, case):
    return close(case, CLOSED)


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


# Dates -------------------------------------------------------------------------------


def test_the_default_policy_is_three_months_a_year_and_seven_years(db):
    policy = RetentionPolicy.load()
    assert (policy.original_film_months, policy.playback_months, policy.clip_months, policy.record_years) == (
        3,
        12,
        12,
        7,
    )


def test_every_kind_of_record_carries_its_deletion_date(closed_case):
    dates = dates_for(closed_case, RetentionPolicy.load())
    assert dates.original == day("2026-04-15")
    assert dates.playback == day("2027-01-15")
    assert dates.clip == dates.still == day("2027-01-15")
    assert dates.film == day("2027-01-15")
    assert dates.letter == dates.record == day("2033-01-15")


def test_an_open_case_has_no_deletion_dates(everything, case):
    assert dates_for(case, RetentionPolicy.load()) is None


def test_reopening_a_case_takes_its_dates_away(closed_case, practitioner):
    from sessions.services import reopen_case

    reopen_case(case=closed_case, note="", by=practitioner, audit=lambda *a, **k: None)
    closed_case.refresh_from_db()
    assert dates_for(closed_case, RetentionPolicy.load()) is None


def test_changing_the_policy_moves_the_dates(closed_case):
    policy = RetentionPolicy.load()
    policy.original_film_months = 1
    policy.save()
    assert dates_for(closed_case, RetentionPolicy.load()).original == day("2026-02-15")


def test_a_month_end_closing_ends_at_the_next_month_end():
    assert add_months(day("2026-08-31"), 6) == day("2027-02-28")
    assert add_months(day("2027-08-31"), 6) == day("2028-02-29")


def test_the_closing_date_query_agrees_with_the_dates_shown_every_day_for_two_years():
    """closed_on <= closed_on_or_before(on, n) exactly when add_months(closed_on, n) <= on."""
    start = day("2026-01-01")
    for months in (1, 3, 6, 12):
        for offset in range(0, 730, 1):
            on = start + datetime.timedelta(days=offset)
            cutoff = closed_on_or_before(on, months)
            assert add_months(cutoff, months) <= on
            assert add_months(cutoff + datetime.timedelta(days=1), months) > on


def test_a_policy_that_keeps_files_longer_than_the_record_is_refused(db):
    from django.core.exceptions import ValidationError

    policy = RetentionPolicy(record_years=1, clip_months=18)
    with pytest.raises(ValidationError):
        policy.full_clean()


@pytest.mark.parametrize(
    "url_name,kwarg",
    [("clips:film_detail", "film"), ("clips:clip_edit", "clip"), ("letters:detail", "letter"), (None, None)],
)
def test_the_records_page_shows_its_deletion_date(client, practitioner, closed_case, everything, url_name, kwarg):
    client.force_login(practitioner)
    if url_name is None:
        url = closed_case.get_absolute_url()
    else:
        obj = everything[kwarg]
        kwargs = {"reference": closed_case.reference}
        if kwarg == "film":
            kwargs["film_id"] = obj.pk
        elif kwarg == "clip":
            kwargs.update(film_id=obj.film_id, clip_id=obj.pk)
        else:
            kwargs["letter_id"] = obj.pk
        url = reverse(url_name, kwargs=kwargs)
    with time_machine.travel(datetime.datetime(2026, 2, 1, 12, tzinfo=datetime.UTC), tick=False):
        page = client.get(url).content.decode()
    assert 'id="retention-heading"' in page
    expected = "15 Jan 2033" if kwarg in ("letter", None) else "15 Jan 2027"
    assert f"deleted on {expected}" in page


def test_an_open_cases_page_says_nothing_is_deleted_while_it_is_open(client, practitioner, case):
    client.force_login(practitioner)
    assert b"Nothing is deleted while the case is open" in client.get(case.get_absolute_url()).content


# The daily job ----------------------------------------------------------------------


def test_nothing_goes_the_day_before_the_originals_are_due(closed_case):
    before = stored_files()
    run = apply_retention(day("2026-04-14"))
    assert stored_files() == before
    assert run.counts == {}


def test_originals_go_on_their_date_and_the_playback_copy_stays(closed_case, everything):
    film = everything["film"]
    original = film.original.name

    run = apply_retention(day("2026-04-15"))

    film.refresh_from_db()
    assert not film.original
    assert original not in stored_files()
    assert film.playback.name in stored_files()
    assert run.counts == {"original": 1}
    assert run.references == [closed_case.reference]


def test_playback_copies_clips_and_stills_go_after_a_year_and_the_bare_film_entry_with_them(closed_case, everything):
    letter_pdf = everything["letter"].pdf.name

    run = apply_retention(day("2027-01-15"))

    assert stored_files() == [letter_pdf]
    assert not Film.objects.filter(case=closed_case).exists()
    assert not Clip.objects.exists() and not Still.objects.exists()
    assert run.counts == {"original": 1, "playback": 1, "clip": 1, "still": 1, "film": 1}
    assert Case.objects.filter(pk=closed_case.pk).exists()


def test_clips_kept_longer_than_playback_copies_keep_their_film_entry(closed_case, everything):
    policy = RetentionPolicy.load()
    policy.clip_months = 24
    policy.save()

    apply_retention(day("2027-01-15"))

    film = Film.objects.get(pk=everything["film"].pk)
    assert not film.playback and not film.poster and not film.thumbnails
    clip = Clip.objects.get(pk=everything["clip"].pk)
    assert clip.video.name in stored_files()


def test_the_letter_and_record_are_erased_after_seven_years(closed_case, everything):
    reference = closed_case.reference

    run = apply_retention(day("2033-01-15"))

    assert stored_files() == []
    assert not Case.objects.filter(pk=closed_case.pk).exists()
    assert run.counts["record"] == 1 and run.counts["letter"] == 1
    erasure = CaseErasure.objects.get(reference=reference)
    assert erasure.kind == CaseErasure.Kind.RETENTION and erasure.erased_by is None
    assert AuditEvent.objects.filter(case_reference=reference, summary__contains="retention period").exists()


def test_an_open_case_is_never_touched(everything, case):
    before = stored_files()
    apply_retention(day("2040-01-01"))
    assert stored_files() == before
    assert Case.objects.filter(pk=case.pk).exists()


def test_a_reopened_case_keeps_everything(closed_case, practitioner):
    from sessions.services import reopen_case

    reopen_case(case=closed_case, note="", by=practitioner, audit=lambda *a, **k: None)
    before = stored_files()
    apply_retention(day("2040-01-01"))
    assert stored_files() == before


def test_a_missed_day_is_caught_up(closed_case, everything):
    apply_retention(day("2026-05-01"))
    everything["film"].refresh_from_db()
    assert not everything["film"].original


def test_running_twice_deletes_nothing_more(closed_case):
    apply_retention(day("2026-04-15"))
    assert apply_retention(day("2026-04-15")).counts == {}


def test_each_deletion_is_audited_against_its_case(closed_case, everything):
    apply_retention(day("2026-04-15"))
    event = AuditEvent.objects.get(case=closed_case, action=AuditEvent.Action.DELETE)
    assert event.summary == "retention: deleted original"
    assert event.object_label == f"Film {everything['film'].pk}"


def test_the_job_logs_counts_and_references_not_content(closed_case, everything, caplog):
    with caplog.at_level(logging.INFO, logger="dataprotection.retention"):
        apply_retention(day("2027-01-15"))
    text = caplog.text
    assert closed_case.reference in text and "'playback': 1" in text
    assert closed_case.client.full_name not in text
    assert everything["clip"].caption not in text
    assert "original.mov" not in text


def test_a_file_that_cannot_be_deleted_keeps_its_row_for_tomorrow(closed_case, everything):
    from unittest import mock

    from django.core.files.storage import FileSystemStorage

    with mock.patch.object(FileSystemStorage, "delete", side_effect=OSError("storage unavailable")):
        run = apply_retention(day("2026-04-15"))
    everything["film"].refresh_from_db()
    assert everything["film"].original
    assert run.failures == 1 and run.counts == {}

    apply_retention(day("2026-04-16"))
    everything["film"].refresh_from_db()
    assert not everything["film"].original


def test_the_daily_task_uses_todays_date(closed_case):
    with time_machine.travel(datetime.datetime(2026, 4, 15, 2, 30, tzinfo=datetime.UTC), tick=False):
        apply_retention_task()
    run = RetentionRun.objects.get()
    assert run.on == day("2026-04-15")
    assert run.counts == {"original": 1}


def test_the_daily_task_is_on_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["apply-retention"]
    assert entry["task"] == "dataprotection.tasks.apply_retention_task"
    assert entry["schedule"].hour == {2}


# The dry run ---------------------------------------------------------------------------


def test_the_dry_run_lists_what_goes_in_the_next_30_days_without_deleting(closed_case):
    before = stored_files()
    lines = {line.kind: line for line in dry_run(day("2026-03-20"))}
    assert lines["original"].count == 1 and lines["original"].references == [closed_case.reference]
    assert lines["playback"].count == 0 and lines["record"].count == 0
    assert stored_files() == before


def test_the_dry_run_does_not_list_what_goes_after_30_days(closed_case):
    lines = {line.kind: line for line in dry_run(day("2026-03-15"))}
    assert lines["original"].count == 0


def test_the_dry_run_page_shows_counts_and_references(client, administrator, closed_case):
    client.force_login(administrator)
    with time_machine.travel(datetime.datetime(2026, 3, 20, 12, tzinfo=datetime.UTC), tick=False):
        page = client.get(reverse("dataprotection:overview")).content.decode()
    assert "What will be deleted by 19 Apr 2026" in page
    row = page.split('id="due-original"')[1].split("</tr>")[0]
    assert ">1<" in row and closed_case.reference in row


@pytest.mark.parametrize("size", [1, 4])
def test_the_dry_run_page_query_count_does_not_grow_with_cases(
    client, administrator, media_root, django_assert_max_num_queries, size
):
    for _ in range(size):
        make_everything(close(CaseFactory(), datetime.date(2026, 1, 15)))
    client.force_login(administrator)
    with django_assert_max_num_queries(OVERVIEW_QUERIES):
        response = client.get(reverse("dataprotection:overview"))
    assert response.status_code == 200


def test_the_look_ahead_is_thirty_days():
    assert retention.LOOKAHEAD_DAYS == 30


def test_an_administrator_sets_the_policy_in_the_django_admin(client, administrator):
    client.force_login(administrator)
    assert client.get(reverse("admin:dataprotection_retentionpolicy_changelist")).status_code == 200
    url = reverse("admin:dataprotection_retentionpolicy_change", args=[1])
    response = client.post(
        url, {"original_film_months": 6, "playback_months": 18, "clip_months": 18, "record_years": 8}
    )
    assert response.status_code == 302
    policy = RetentionPolicy.load()
    assert (policy.original_film_months, policy.playback_months, policy.record_years) == (6, 18, 8)


def test_the_policy_cannot_be_deleted_or_doubled_in_the_admin(client, administrator):
    client.force_login(administrator)
    assert client.get(reverse("admin:dataprotection_retentionpolicy_add")).status_code == 403
    assert client.get(reverse("admin:dataprotection_retentionpolicy_delete", args=[1])).status_code == 403


def test_an_export_nobody_downloaded_is_removed_after_a_week(media_root, case, administrator):
    from django.core.files.base import ContentFile

    from dataprotection.models import SubjectAccessExport

    with time_machine.travel(datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC), tick=False):
        export = SubjectAccessExport.objects.create(
            client=case.client,
            requested_by=administrator,
            status=SubjectAccessExport.Status.READY,
            file=ContentFile(b"PK", name="export.zip"),
            finished_at=datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC),
        )
    apply_retention(day("2026-03-07"))
    assert stored_files() == ["export.zip"]

    run = apply_retention(day("2026-03-08"))

    export.refresh_from_db()
    assert export.status == SubjectAccessExport.Status.EXPIRED
    assert stored_files() == []
    assert run.counts == {"export": 1}


def test_an_export_whose_worker_died_is_marked_failed_the_next_day(db, case, administrator):
    from dataprotection.models import SubjectAccessExport

    with time_machine.travel(datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC), tick=False):
        export = SubjectAccessExport.objects.create(
            client=case.client, requested_by=administrator, status=SubjectAccessExport.Status.BUILDING
        )
    apply_retention(day("2026-03-03"))
    export.refresh_from_db()
    assert export.status == SubjectAccessExport.Status.FAILED


def test_a_film_page_says_when_its_original_has_been_deleted(client, practitioner, closed_case, everything):
    apply_retention(day("2026-04-15"))
    client.force_login(practitioner)
    film = everything["film"]
    with time_machine.travel(datetime.datetime(2026, 5, 1, 12, tzinfo=datetime.UTC), tick=False):
        page = client.get(film.get_absolute_url()).content.decode()
    panel = page.split('id="retention-heading"')[1]
    assert re.search(r"The original film file</dt>\s*<dd[^>]*>deleted</dd>", panel)
    assert "deleted on 15 Jan 2027" in panel


def test_a_record_that_cannot_be_erased_does_not_stop_the_rest_of_the_run(media_root, administrator):
    from unittest import mock

    stuck = make_everything(close(CaseFactory(), day("2020-01-15")))
    other = make_everything(close(CaseFactory(), day("2026-01-15")))
    with mock.patch("dataprotection.services.erase_case", side_effect=RuntimeError("boom")):
        run = apply_retention(day("2027-01-20"))
    assert run.failures == 1
    assert Case.objects.filter(pk=stuck["film"].case_id).exists()
    assert not Film.objects.filter(pk=other["film"].pk).exists()


def test_a_film_page_says_its_playback_copy_has_gone_instead_of_showing_a_broken_player(
    client, practitioner, closed_case, everything
):
    policy = RetentionPolicy.load()
    policy.clip_months = 24  # the film's entry stays while its clips do
    policy.save()
    apply_retention(day("2027-01-15"))
    client.force_login(practitioner)
    page = client.get(everything["film"].get_absolute_url()).content.decode()
    assert 'id="film-playback-deleted"' in page
    assert "<video" not in page
