"""Erasing a case on request: no file and no row of it is left, and the audit log says who erased it."""

from unittest import mock

import pytest
from django.apps import apps
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.urls import reverse

from audit.models import AuditEvent
from cases.models import Case, Child, Client
from cases.tests.factories import CaseFactory
from dataprotection.holdings import collect
from dataprotection.models import CaseErasure, SubjectAccessExport
from dataprotection.services import ErasureError, erase_case

from .conftest import make_everything, stored_files


def rows_pointing_at(model, pk) -> list[str]:
    """Every row of any model with a foreign key to `model` holding `pk`: a dangling link if any."""
    found = []
    for other in apps.get_models():
        for f in other._meta.concrete_fields:
            if f.is_relation and f.related_model is model and other.objects.filter(**{f.attname: pk}).exists():
                found.append(f"{other._meta.label}.{f.name}")
    return found


@pytest.fixture
def erase_url(case):
    return reverse("dataprotection:erase", kwargs={"reference": case.reference})


def test_erasing_a_case_leaves_no_file_in_storage(everything, case, administrator):
    other_case = CaseFactory()
    make_everything(other_case)
    kept = set(stored_files()) - {f.name for f in collect([case]).files()}

    erase_case(case=case, by=administrator, reason="The client asked.")

    assert set(stored_files()) == kept  # the other case's files, and nothing of this one
    assert not everything["upload"].path.exists()


def test_erasing_a_case_leaves_no_row_of_it(everything, case, administrator):
    before = collect([case])
    case_pk, client_pk, child_pk = case.pk, case.client_id, case.child_id
    assert set(before.counts()) == {
        "cases.case",
        "cases.helpingquestion",
        "cases.goal",
        "cases.goalrating",
        "cases.relationshipdescription",
        "cases.consent",
        "vig_sessions.session",
        "vig_sessions.sharedreview",
        "clips.film",
        "clips.filmupload",
        "clips.clip",
        "clips.still",
        "clips.annotation",
        "letters.trajectletter",
    }

    erase_case(case=case, by=administrator, reason="The client asked.")

    for model, objs in before.rows.items():
        assert not model.objects.filter(pk__in=[o.pk for o in objs]).exists(), model._meta.label
    assert rows_pointing_at(Case, case_pk) == []
    assert not Client.objects.filter(pk=client_pk).exists()
    assert not Child.objects.filter(pk=child_pk).exists()
    assert rows_pointing_at(Client, client_pk) == []
    assert rows_pointing_at(Child, child_pk) == []


def test_many_to_many_links_of_the_case_go_too(everything, case, administrator):
    letter_stills = everything["letter"].stills.through
    assert letter_stills.objects.exists()

    erase_case(case=case, by=administrator, reason="The client asked.")

    assert not letter_stills.objects.exists()


def test_an_audit_entry_survives_naming_the_reference_and_who_erased_it(everything, case, administrator):
    reference = case.reference

    erasure = erase_case(case=case, by=administrator, reason="The client asked.")

    event = AuditEvent.objects.get(action=AuditEvent.Action.DELETE, case_reference=reference)
    assert event.case_id is None
    assert event.actor == administrator and event.actor_name == "admin"
    assert "erased on request" in event.summary
    assert "The client asked" not in event.summary  # the reason is kept on the erasure record, not in the log
    assert erasure.reference == reference and erasure.reason == "The client asked."
    assert erasure.files == 8  # original, playback, poster, thumbnails, clip, clip poster, still, letter


def test_the_audit_log_keeps_earlier_events_with_the_reference_but_no_link(everything, case, administrator, client):
    client.force_login(administrator)
    client.get(case.get_absolute_url())
    reference = case.reference

    erase_case(case=case, by=administrator, reason="The client asked.")

    viewed = AuditEvent.objects.get(action=AuditEvent.Action.VIEW, case_reference=reference)
    assert viewed.case_id is None


def test_a_client_with_another_case_keeps_their_details_and_that_case(everything, case, administrator):
    second = CaseFactory(client=case.client, child=case.child, practitioner=case.practitioner, team=case.team)

    erase_case(case=case, by=administrator, reason="The client asked.")

    assert Case.objects.filter(pk=second.pk).exists()
    assert Client.objects.filter(pk=case.client_id).exists()


def test_the_clients_waiting_exports_are_erased_with_the_case(media_root, everything, case, administrator):
    from django.core.files.base import ContentFile

    export = SubjectAccessExport.objects.create(
        client=case.client, requested_by=administrator, file=ContentFile(b"PK", name="export.zip")
    )
    erase_case(case=case, by=administrator, reason="The client asked.")

    assert not SubjectAccessExport.objects.filter(pk=export.pk).exists()
    assert stored_files() == []


def test_when_a_file_cannot_be_deleted_no_row_is_touched_and_erasing_again_finishes(everything, case, administrator):
    rows_before = collect([case]).counts()
    real_delete = everything["film"].original.storage.delete
    calls = []

    def flaky_delete(name):
        calls.append(name)
        if len(calls) == 3:
            raise OSError("storage unavailable")
        real_delete(name)

    with mock.patch.object(FileSystemStorage, "delete", side_effect=flaky_delete):
        with pytest.raises(ErasureError):
            erase_case(case=case, by=administrator, reason="The client asked.")

    assert collect([case]).counts() == rows_before
    assert not CaseErasure.objects.exists()

    erase_case(case=case, by=administrator, reason="The client asked.")
    assert stored_files() == []
    assert not Case.objects.filter(pk=case.pk).exists()


# The page ------------------------------------------------------------------------------


def test_the_erase_page_asks_for_a_reason_and_the_reference(client, administrator, case, erase_url):
    client.force_login(administrator)
    response = client.get(erase_url)
    assert response.status_code == 200
    assert b"Type the case reference to confirm" in response.content
    assert b'name="reason"' in response.content


def test_a_wrong_reference_erases_nothing(client, administrator, everything, case, erase_url):
    client.force_login(administrator)
    response = client.post(erase_url, {"reason": "Asked by phone", "confirm_reference": "VIG-2026-9999"})
    assert response.status_code == 200
    assert f"Type {case.reference} exactly".encode() in response.content
    assert Case.objects.filter(pk=case.pk).exists()
    assert len(stored_files()) == 8


def test_a_missing_reason_erases_nothing(client, administrator, case, erase_url):
    client.force_login(administrator)
    client.post(erase_url, {"reason": "", "confirm_reference": case.reference})
    assert Case.objects.filter(pk=case.pk).exists()


def test_the_administrator_erases_by_typing_the_reference(client, administrator, everything, case, erase_url):
    client.force_login(administrator)
    response = client.post(erase_url, {"reason": "Asked by phone", "confirm_reference": case.reference}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("dataprotection:overview")
    assert not Case.objects.filter(pk=case.pk).exists()
    assert stored_files() == []
    assert f"Case {case.reference} erased".encode() in response.content
    event = AuditEvent.objects.get(action=AuditEvent.Action.DELETE, case_reference=case.reference)
    assert event.ip_address == "127.0.0.1"


@pytest.mark.parametrize("who", ["practitioner", "supervisor"])
def test_nobody_but_an_administrator_can_erase(client, request, everything, case, erase_url, who):
    client.force_login(request.getfixturevalue(who))
    response = client.post(erase_url, {"reason": "x", "confirm_reference": case.reference})
    assert response.status_code == 403
    assert Case.objects.filter(pk=case.pk).exists()


def test_the_case_page_offers_erasure_and_export_to_administrators_only(client, case, administrator, practitioner):
    client.force_login(practitioner)
    assert b"Erase this case" not in client.get(case.get_absolute_url()).content
    client.force_login(administrator)
    page = client.get(case.get_absolute_url()).content
    assert b"Erase this case" in page and b"Export the client" in page


def test_every_file_field_is_found_without_naming_models(everything, case):
    """A FileField on any model that cascades from the case is found from _meta, not from a list."""
    file_fields = {
        (m._meta.label_lower, f.name)
        for m in apps.get_models()
        for f in m._meta.concrete_fields
        if isinstance(f, models.FileField) and m._meta.app_label != "dataprotection"
    }
    found = {(held.label, held.field) for held in collect([case]).files()}
    assert found == file_fields


def test_every_link_to_a_case_cascades_except_the_audit_log():
    """A model added later that points at a case must go with it; SET_NULL would keep its content after erasure."""
    links = [
        f"{m._meta.label}.{f.name}"
        for m in apps.get_models()
        for f in m._meta.concrete_fields
        if f.is_relation and f.related_model is Case and f.remote_field.on_delete is not models.CASCADE
    ]
    assert links == ["audit.AuditEvent.case"]
