"""Subject access export: one zip of everything held about a client, built by a worker, downloaded once."""

import io
import json
import zipfile
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from accounts.tests.factories import UserFactory
from audit.models import AuditEvent
from cases.tests.factories import CaseFactory
from dataprotection.export import build_export
from dataprotection.models import SubjectAccessExport
from dataprotection.services import start_export

from .conftest import make_everything, stored_files

Status = SubjectAccessExport.Status


def queue_export(client_obj, by) -> SubjectAccessExport:
    with mock.patch("dataprotection.tasks.build_export_task.delay"):
        return start_export(client=client_obj, requested_by=by)


@pytest.fixture
def built(everything, case, administrator):
    export = queue_export(case.client, administrator)
    build_export(export.pk)
    export.refresh_from_db()
    return export


def open_zip(export) -> zipfile.ZipFile:
    with default_storage.open(export.file.name, "rb") as fh:
        return zipfile.ZipFile(io.BytesIO(fh.read()))


def test_the_zip_holds_a_summary_the_data_the_audit_log_and_the_media(built, case, everything):
    ref = case.reference
    film, clip, still, letter = (everything[k] for k in ("film", "clip", "still", "letter"))
    with open_zip(built) as zf:
        assert sorted(zf.namelist()) == sorted(
            [
                "summary.html",
                "data.json",
                "audit.json",
                f"films/{ref}/film-{film.pk}-original.mov",
                f"clips/{ref}/clip-{clip.pk}-video.mp4",
                f"stills/{ref}/still-{still.pk}-image.jpg",
                f"letters/{ref}/trajectletter-{letter.pk}-pdf.pdf",
            ]
        )
        assert zf.read(f"films/{ref}/film-{film.pk}-original.mov") == b"original film"
        assert zf.read(f"clips/{ref}/clip-{clip.pk}-video.mp4") == b"clip video"
        assert zf.read(f"stills/{ref}/still-{still.pk}-image.jpg") == b"still image"
        assert zf.read(f"letters/{ref}/trajectletter-{letter.pk}-pdf.pdf") == b"%PDF-1.7 letter"
    assert built.status == Status.READY and built.progress == 100


def test_a_film_whose_original_has_gone_is_exported_as_its_playback_copy(everything, case, administrator):
    film = everything["film"]
    film.original.delete(save=True)
    export = queue_export(case.client, administrator)
    build_export(export.pk)
    export.refresh_from_db()
    with open_zip(export) as zf:
        assert zf.read(f"films/{case.reference}/film-{film.pk}-playback.mp4") == b"playback copy"


def test_the_data_holds_every_record_of_the_case(built, case, everything):
    with open_zip(built) as zf:
        data = json.loads(zf.read("data.json"))
    assert data["client"]["fields"]["full_name"] == case.client.full_name
    records = data["cases"][0]["records"]
    assert data["cases"][0]["reference"] == case.reference
    assert {
        "cases.goal",
        "cases.helpingquestion",
        "vig_sessions.sharedreview",
        "clips.clip",
        "letters.trajectletter",
    } <= set(records)
    assert records["cases.goal"][0]["fields"]["description"] == everything["goal"].description


def test_the_audit_log_of_the_case_is_included_without_staff_addresses(everything, case, administrator, client):
    client.force_login(administrator)
    client.get(case.get_absolute_url())
    export = queue_export(case.client, administrator)
    build_export(export.pk)
    export.refresh_from_db()
    with open_zip(export) as zf:
        events = json.loads(zf.read("audit.json"))
    assert {e["case_reference"] for e in events} == {case.reference}
    assert any(e["action"] == "view" and e["object_label"] == case.reference for e in events)
    assert all("ip_address" not in e for e in events)


def test_the_summary_is_readable_html(built, case, everything):
    with open_zip(built) as zf:
        summary = zf.read("summary.html").decode()
    assert summary.startswith("<!doctype html>")
    assert f"Information held about {case.client.full_name}" in summary
    assert f"Case {case.reference}" in summary
    assert everything["clip"].caption in summary
    assert "How can I help Sam to talk to me about his day?" in summary
    assert f"clips/{case.reference}/clip-{everything['clip'].pk}-video.mp4" in summary


def test_every_case_of_the_client_is_exported(everything, case, administrator):
    second = CaseFactory(client=case.client, practitioner=case.practitioner, team=case.team)
    make_everything(second)
    export = queue_export(case.client, administrator)
    build_export(export.pk)
    export.refresh_from_db()
    assert export.case_references == [case.reference, second.reference]
    with open_zip(export) as zf:
        names = zf.namelist()
    assert any(n.startswith(f"films/{second.reference}/") for n in names)
    assert any(n.startswith(f"films/{case.reference}/") for n in names)


def test_a_build_that_fails_says_so(everything, case, administrator):
    export = queue_export(case.client, administrator)
    with mock.patch("dataprotection.export._add_file", side_effect=OSError("disk full")):
        build_export(export.pk)
    export.refresh_from_db()
    assert export.status == Status.FAILED
    assert not export.file
    assert not [f for f in stored_files() if f.startswith("exports/")]


def test_an_export_is_built_only_once(built):
    build_export(built.pk)
    assert len([f for f in stored_files() if f.startswith("exports/")]) == 1


# The pages -------------------------------------------------------------------------


def test_starting_an_export_queues_it_after_the_commit(
    client, administrator, case, media_root, django_capture_on_commit_callbacks
):
    client.force_login(administrator)
    with mock.patch("dataprotection.tasks.build_export_task.delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("dataprotection:export_start", kwargs={"reference": case.reference}))
    export = SubjectAccessExport.objects.get()
    assert response.status_code == 302 and response["Location"] == export.get_absolute_url()
    delay.assert_called_once_with(export.pk)
    assert export.requested_by == administrator and export.case_references == [case.reference]
    assert AuditEvent.objects.filter(case=case, summary="subject access export started").exists()


def test_the_status_page_shows_live_progress(client, administrator, case, media_root):
    export = queue_export(case.client, administrator)
    SubjectAccessExport.objects.filter(pk=export.pk).update(
        status=Status.BUILDING, progress=40, step="Writing the data"
    )
    client.force_login(administrator)
    page = client.get(export.get_absolute_url()).content.decode()
    assert 'role="progressbar"' in page and 'aria-valuenow="40"' in page
    assert reverse("dataprotection:export_status", kwargs={"export_id": export.pk}) in page
    assert "js/export_status.js" in page
    assert "<script>" not in page and 'style="' not in page
    state = client.get(reverse("dataprotection:export_status", kwargs={"export_id": export.pk})).json()
    assert state == {"status": "building", "status_label": "Being built", "progress": 40, "step": "Writing the data"}


def test_the_export_downloads_once_and_is_then_removed(client, administrator, built):
    client.force_login(administrator)
    url = reverse("dataprotection:export_download", kwargs={"export_id": built.pk})
    expected = default_storage.open(built.file.name).read()

    response = client.get(url)
    body = b"".join(response.streaming_content)

    assert response.status_code == 200
    assert body == expected
    assert response["Content-Disposition"].startswith("attachment;")
    assert not [f for f in stored_files() if f.startswith("exports/")]
    built.refresh_from_db()
    assert built.status == Status.DOWNLOADED and not built.file

    again = client.get(url)
    assert again.status_code == 410
    assert b"This export is no longer here." in again.content


def test_another_administrator_cannot_see_or_download_an_export(client, built):
    client.force_login(UserFactory(username="admin2", administrator=True))
    assert client.get(built.get_absolute_url()).status_code == 404
    assert client.get(reverse("dataprotection:export_download", kwargs={"export_id": built.pk})).status_code == 404
    assert built.file.name in stored_files()


def test_the_download_is_audited_against_the_clients_cases(client, administrator, built, case):
    client.force_login(administrator)
    response = client.get(reverse("dataprotection:export_download", kwargs={"export_id": built.pk}))
    b"".join(response.streaming_content)
    assert AuditEvent.objects.filter(case=case, summary="subject access export downloaded").count() == 1


def test_secrets_are_left_out_of_the_data(administrator):
    from dataprotection.export import _serialise

    fields = _serialise([administrator])[0]["fields"]
    assert "password" not in fields
    assert fields["username"] == "admin"


@pytest.mark.parametrize("who", ["practitioner", "supervisor"])
def test_nobody_but_an_administrator_can_start_an_export(client, request, case, who):
    client.force_login(request.getfixturevalue(who))
    response = client.post(reverse("dataprotection:export_start", kwargs={"reference": case.reference}))
    assert response.status_code == 403
    assert not SubjectAccessExport.objects.exists()
