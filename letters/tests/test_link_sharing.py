"""The practitioner's side of the client link: making it (URL once, QR, copy), listing, revoking; PDF retry."""

import datetime
import hashlib
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.urls import reverse

from audit.models import AuditEvent
from letters import rendering, services
from letters.models import ClientLink, ClientLinkAccess, TrajectLetter
from letters.tests.conftest import write_letter

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def letter(client, full_case, practitioner):
    letter = write_letter(client, full_case, practitioner)
    client.post(reverse("letters:finalise", args=[full_case.reference, letter.pk]))
    letter.refresh_from_db()
    letter.pdf.save("l.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
    letter.render_status = TrajectLetter.RenderStatus.READY
    letter.save()
    return letter


def share_url(letter):
    return reverse("letters:link_create", args=[letter.case.reference, letter.pk])


def token_in(response):
    return re.search(r"/l/([A-Za-z0-9_-]+)/", response.content.decode()).group(1)


def test_the_practitioner_sees_the_new_link_once_with_a_qr_code(client, letter):
    response = client.post(share_url(letter), {"days": 30})
    assert response.status_code == 200
    token = token_in(response)
    page = response.content.decode()
    assert f"http://testserver/l/{token}/" in page
    assert "<svg" in page and "<title>QR code of the link</title>" in page
    assert "style=" not in page
    assert 'data-copy-target="client-link-url"' in page and "js/letter_link.js" in page
    assert response["Cache-Control"] == "no-store" and response["Referrer-Policy"] == "no-referrer"
    # Only the hash is kept: the letter's page never shows the token again.
    link = ClientLink.objects.get()
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in client.get(letter.get_absolute_url()).content.decode()


def test_tokens_carry_256_bits_from_secrets(client, letter):
    tokens = {token_in(client.post(share_url(letter), {"days": 30})) for _ in range(2)}
    assert len(tokens) == 2
    assert all(len(t) == 43 for t in tokens)  # token_urlsafe(32): 32 random bytes, base64 without padding


def test_the_link_expires_after_the_configured_days_by_default(client, letter, settings):
    settings.VIG_LETTER_LINK_DAYS = 45
    form = client.get(share_url(letter)).content.decode()
    assert re.search(r'<option value="45" selected>45 days</option>', form)
    with time_machine.travel(datetime.datetime(2026, 11, 25, 10, 0, tzinfo=LONDON), tick=False):
        client.post(share_url(letter), {"days": 45})
    assert ClientLink.objects.get().expires_at == datetime.datetime(2027, 1, 9, 10, 0, tzinfo=LONDON)


def test_the_practitioner_may_choose_another_expiry(client, letter):
    with time_machine.travel(datetime.datetime(2026, 11, 25, 10, 0, tzinfo=LONDON), tick=False):
        response = client.post(share_url(letter), {"days": 7})
    assert "2 Dec 2026, 10:00" in response.content.decode()
    assert ClientLink.objects.get().expires_at == datetime.datetime(2026, 12, 2, 10, 0, tzinfo=LONDON)


def test_an_expiry_not_offered_is_refused(client, letter):
    response = client.post(share_url(letter), {"days": 3650})
    assert response.status_code == 200 and not ClientLink.objects.exists()


def test_a_passcode_is_shown_once_and_kept_only_as_a_hash(client, letter):
    response = client.post(share_url(letter), {"days": 30, "with_passcode": "on"})
    shown = re.search(r'id="client-link-passcode">(\d{4} \d{4})<', response.content.decode()).group(1)
    link = ClientLink.objects.get()
    assert link.has_passcode and shown.replace(" ", "") not in link.passcode_hash
    assert shown not in client.get(letter.get_absolute_url()).content.decode()


def test_a_draft_cannot_be_shared(client, full_case, practitioner):
    draft = write_letter(client, full_case, practitioner)
    response = client.post(share_url(draft), {"days": 30})
    assert response.status_code == 302 and not ClientLink.objects.exists()


def test_making_a_link_is_audited_without_the_token(client, letter):
    token = token_in(client.post(share_url(letter), {"days": 30, "with_passcode": "on"}))
    event = AuditEvent.objects.get(object_type="letters.clientlink", action="create")
    assert event.summary == "client link made, 30 days, with passcode" and event.case_id == letter.case_id
    assert token not in str(event.__dict__)


def test_the_letter_page_lists_links_with_state_and_openings(client, letter, practitioner):
    active = services.create_link(letter=letter, user=practitioner, days=30, with_passcode=False).link
    revoked = services.create_link(letter=letter, user=practitioner, days=30, with_passcode=False).link
    services.revoke_link(link=revoked, user=practitioner)
    for day in (24, 25):
        with time_machine.travel(datetime.datetime(2026, 11, day, 9, 0, tzinfo=LONDON)):
            services.record_access(link=active, kind=ClientLinkAccess.Kind.OPENED)
    services.record_access(link=active, kind=ClientLinkAccess.Kind.DOWNLOADED)  # a download is not an opening
    page = client.get(letter.get_absolute_url()).content.decode()
    assert "opened 2 times, last on 25 Nov 2026" in page
    assert page.count('class="client-link"') == 2
    assert "Revoked" in page and "Active" in page and "not opened yet" in page
    assert page.count(">Revoke<") == 1  # only the active one can still be revoked


def test_expired_and_locked_links_are_named_so(client, letter, practitioner):
    expired = services.create_link(letter=letter, user=practitioner, days=7, with_passcode=False).link
    ClientLink.objects.filter(pk=expired.pk).update(expires_at=expired.created_at)
    locked = services.create_link(letter=letter, user=practitioner, days=7, with_passcode=True).link
    ClientLink.objects.filter(pk=locked.pk).update(locked_at=locked.created_at)
    page = client.get(letter.get_absolute_url()).content.decode()
    assert "<td>Expired</td>" in page and "<td>Locked</td>" in page


def test_the_letter_page_reads_links_in_constant_queries(client, letter, practitioner, django_assert_max_num_queries):
    def count_queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(letter.get_absolute_url()).status_code == 200
        return len(queries)

    services.create_link(letter=letter, user=practitioner, days=30, with_passcode=False)
    few = count_queries()
    for _ in range(10):
        link = services.create_link(letter=letter, user=practitioner, days=30, with_passcode=False).link
        services.record_access(link=link, kind=ClientLinkAccess.Kind.OPENED)
    with django_assert_max_num_queries(few):
        client.get(letter.get_absolute_url())


def test_revoking_asks_first_then_revokes(client, letter, practitioner):
    link = services.create_link(letter=letter, user=practitioner, days=30, with_passcode=False).link
    url = reverse("letters:link_revoke", args=[letter.case.reference, letter.pk, link.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200 and "Revoke this link" in confirm.content.decode()
    link.refresh_from_db()
    assert link.revoked_at is None
    assert client.post(url).status_code == 302
    link.refresh_from_db()
    assert link.revoked_at and link.revoked_by == practitioner and link.state() == "revoked"
    assert AuditEvent.objects.filter(object_id=str(link.pk), action="update", summary="revoked").exists()


def test_a_link_of_another_letter_cannot_be_revoked_through_this_one(client, letter, practitioner, other_practitioner):
    from cases.tests.factories import CaseFactory

    other_case = CaseFactory(practitioner=other_practitioner, team=other_practitioner.team)
    other_letter = TrajectLetter.objects.create(case=other_case, status="finalised")
    foreign = services.create_link(letter=other_letter, user=other_practitioner, days=30, with_passcode=False).link
    url = reverse("letters:link_revoke", args=[letter.case.reference, letter.pk, foreign.pk])
    assert client.post(url).status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked_at is None


def test_a_supervisor_sees_the_links_but_cannot_make_or_revoke_them(client, letter, practitioner, supervisor):
    link = services.create_link(letter=letter, user=practitioner, days=30, with_passcode=False).link
    client.force_login(supervisor)
    page = client.get(letter.get_absolute_url()).content.decode()
    assert 'class="client-link"' in page and "Share with the client" not in page and ">Revoke<" not in page
    assert client.post(share_url(letter), {"days": 30}).status_code == 403
    revoke = reverse("letters:link_revoke", args=[letter.case.reference, letter.pk, link.pk])
    assert client.post(revoke).status_code == 403
    link.refresh_from_db()
    assert ClientLink.objects.count() == 1 and link.revoked_at is None


def test_a_failed_pdf_can_be_tried_again(client, letter, monkeypatch, django_capture_on_commit_callbacks):
    TrajectLetter.objects.filter(pk=letter.pk).update(
        render_status="failed", error="The PDF could not be made.", attempts=6
    )
    queued = []
    monkeypatch.setattr("letters.tasks.render_letter_pdf_task.delay", queued.append)
    page = client.get(letter.get_absolute_url()).content.decode()
    assert "Try again" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("letters:retry", args=[letter.case.reference, letter.pk]))
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.render_status == "processing" and letter.attempts == 0 and letter.error == ""
    assert queued == [letter.pk]
    rendering.render_letter_pdf(letter.pk)
    letter.refresh_from_db()
    assert letter.render_status == "ready"


def test_retry_leaves_a_letter_that_has_not_failed_alone(client, letter, monkeypatch):
    queued = []
    monkeypatch.setattr("letters.tasks.render_letter_pdf_task.delay", queued.append)
    client.post(reverse("letters:retry", args=[letter.case.reference, letter.pk]))
    letter.refresh_from_db()
    assert letter.render_status == "ready" and queued == []
