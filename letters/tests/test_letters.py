"""The Traject Letter: drafting, missing data, one template for preview and PDF, versions, approval."""

import datetime
import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from audit.models import AuditEvent
from cases.models import Consent, GoalRating, RelationshipDescription
from cases.tests.factories import (
    ConsentFactory,
    GoalFactory,
    GoalRatingFactory,
    HelpingQuestionFactory,
    RelationshipDescriptionFactory,
)
from clips.tests.factories import StillFactory
from letters import rendering, services
from letters.models import TrajectLetter
from letters.tests.conftest import ACCOUNT, ATTACK, finalise_and_render, jpeg_bytes, pdf_text, write_letter


def test_finalised_pdf_holds_scores_descriptions_and_account(client, full_case, practitioner):
    letter = finalise_and_render(client, full_case, write_letter(client, full_case, practitioner))
    text, info = pdf_text(letter)
    flat = " ".join(text.split())
    for score in (
        "2 out of 10",
        "8 out of 10",
        "5 out of 10",
        "7 out of 10",
        "3 out of 10",
        "9 out of 10",
        "4 out of 10",
        "6 out of 10",
    ):
        assert score in flat
    for words in (
        "Sam is always angry",
        "Sam is funny and chatty",
        "We shout a lot",
        "We laugh together",
        "You noticed how Sam waited for you.",
        "Now you wait for him & he talks.",
        "Keep reading together.",
        "How can I help Sam to talk to me about his day?",
        "Sam looks up at you",
        "Films: 1",
    ):
        assert words in flat, words
    assert "Page 1 of" in flat
    assert "x 841.89 pts (A4)" in info  # 210 x 297 mm
    title = next(line for line in info.splitlines() if line.startswith("Title:"))
    assert full_case.reference in title
    assert full_case.child.name not in info and full_case.client.full_name not in info
    assert letter.pdf.name == f"letters/{full_case.pk}/{letter.key}-v1.pdf"


def test_missing_data_is_named_on_the_draft_and_in_the_preview(client, case, practitioner):
    HelpingQuestionFactory(case=case)
    GoalRatingFactory(goal=GoalFactory(case=case), phase=GoalRating.Phase.BASELINE, score=3)
    goal2 = GoalFactory(case=case)
    GoalRatingFactory(goal=goal2, phase=GoalRating.Phase.BASELINE, score=4)
    RelationshipDescriptionFactory(case=case, moment="before", subject="relationship", text="Hard")
    letter = write_letter(client, case, practitioner)
    page = client.get(letter.get_absolute_url()).content.decode()
    preview = client.get(reverse("letters:preview", args=[case.reference, letter.pk])).content.decode()
    for text in (
        "Goal 2 has no final score yet",
        "No &#x27;after&#x27; description of the relationship yet",
        "Goal 1 has no hoped-for score yet",
        "No stills chosen",
    ):
        assert text in page and text in preview


def test_leaving_a_section_out_removes_it_and_its_missing_note(client, case, practitioner):
    letter = write_letter(client, case, practitioner, left_out=["descriptions", "stills"])
    content = services.content_of(letter)
    assert not any("description" in m for m in services.missing_data(content))
    preview = client.get(reverse("letters:preview", args=[case.reference, letter.pk])).content.decode()
    assert "Before and after" not in preview


def test_raw_html_in_the_account_is_escaped_in_preview_and_pdf(client, full_case, practitioner):
    letter = write_letter(client, full_case, practitioner, account_of_progress=ATTACK)
    preview = client.get(reverse("letters:preview", args=[full_case.reference, letter.pk])).content.decode()
    assert "<script>" not in preview and "&lt;script&gt;alert(1)&lt;/script&gt;" in preview
    assert "<b>bold</b>" not in preview
    letter = finalise_and_render(client, full_case, letter)
    text, _ = pdf_text(letter)
    assert "<script>alert(1)</script><b>bold</b>" in " ".join(text.split())


def test_a_correction_makes_version_2_and_version_1_never_changes(client, full_case, practitioner):
    v1 = finalise_and_render(client, full_case, write_letter(client, full_case, practitioner))
    frozen, pdf_name = v1.content, v1.pdf.name
    pdf_before = v1.pdf.read()
    v1.pdf.close()
    # The record changes after finalising; the finalised letter does not.
    GoalRating.objects.filter(phase="end").update(score=10)
    RelationshipDescription.objects.filter(moment="after", subject="child").update(text="Changed later")
    v2 = write_letter(client, full_case, practitioner, account_of_progress="Corrected account.")
    assert v2.version == 2 and v2.status == "draft" and v2.pk != v1.pk
    # Editing the finalised letter's page also goes to the open draft, never to v1.
    client.post(v1.get_absolute_url(), {"account_of_progress": "Again corrected.", "ideas_for_future": ""})
    v1.refresh_from_db()
    assert v1.content == frozen and v1.status == "finalised" and v1.pdf.name == pdf_name
    assert v1.account_of_progress == ACCOUNT
    assert v1.pdf.read() == pdf_before
    v1.pdf.close()
    assert (
        "Changed later"
        not in client.get(reverse("letters:preview", args=[full_case.reference, v1.pk])).content.decode()
    )
    v2 = finalise_and_render(client, full_case, TrajectLetter.objects.get(pk=v2.pk))
    text, _ = pdf_text(v2)
    assert "Again corrected." in text and "Changed later" in text and "10 out of 10" in text
    assert full_case.letters.count() == 2
    response = client.get(reverse("letters:pdf", args=[full_case.reference, v1.pk]))
    assert response.status_code == 200


def test_render_twice_leaves_exactly_one_pdf(client, full_case, practitioner, settings):
    letter = finalise_and_render(client, full_case, write_letter(client, full_case, practitioner))
    TrajectLetter.objects.filter(pk=letter.pk).update(render_status="processing")
    rendering.render_letter_pdf(letter.pk)
    letter.refresh_from_db()
    folder = Path(settings.MEDIA_ROOT) / "letters" / str(full_case.pk)
    # The media folder outlives a test's database; this letter's key is unique.
    assert [p.name for p in folder.iterdir() if p.name.startswith(str(letter.key))] == [f"{letter.key}-v1.pdf"]
    assert letter.pdf.name == f"letters/{full_case.pk}/{letter.key}-v1.pdf"
    assert letter.attempts == 2


def test_a_held_lease_is_not_rendered_again(client, full_case, practitioner):
    from django.utils import timezone

    letter = write_letter(client, full_case, practitioner)
    client.post(reverse("letters:finalise", args=[full_case.reference, letter.pk]))
    TrajectLetter.objects.filter(pk=letter.pk).update(lease_until=timezone.now() + timezone.timedelta(minutes=5))
    rendering.render_letter_pdf(letter.pk)
    letter.refresh_from_db()
    assert not letter.pdf and letter.render_status == "processing"


def test_the_renderer_fetches_nothing():
    with pytest.raises(rendering.FetchRefused):
        rendering.refuse_fetch("http://example.com/x.png")


def test_pdf_download_name_and_disposition(client, full_case, practitioner):
    letter = finalise_and_render(client, full_case, write_letter(client, full_case, practitioner))
    response = client.get(reverse("letters:pdf", args=[full_case.reference, letter.pk]) + "?download=1")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'attachment; filename="{full_case.reference}-traject-letter-v1.pdf"' == response["Content-Disposition"]


@pytest.fixture
def approval_case(full_case):
    full_case.team.letters_need_approval = True
    full_case.team.save()
    return full_case


def test_approval_flow(client, approval_case, practitioner, supervisor):
    case = approval_case
    letter = write_letter(client, case, practitioner)
    # Finalising before approval is refused.
    client.post(reverse("letters:finalise", args=[case.reference, letter.pk]))
    letter.refresh_from_db()
    assert letter.status == "draft" and letter.content is None
    client.post(reverse("letters:ask_approval", args=[case.reference, letter.pk]))
    letter.refresh_from_db()
    assert letter.status == "awaiting_approval"
    client.force_login(supervisor)
    assert client.post(reverse("letters:approve", args=[case.reference, letter.pk])).status_code == 302
    letter.refresh_from_db()
    assert letter.approved_by == supervisor and letter.approved_at
    assert AuditEvent.objects.filter(actor=supervisor, summary="approved", case=case).exists()
    client.force_login(practitioner)
    letter = finalise_and_render(client, case, letter)
    assert letter.status == "finalised" and letter.finalised_by == practitioner


def test_an_edit_after_approval_needs_approval_again(client, approval_case, practitioner, supervisor):
    case = approval_case
    letter = write_letter(client, case, practitioner)
    client.post(reverse("letters:ask_approval", args=[case.reference, letter.pk]))
    client.force_login(supervisor)
    client.post(reverse("letters:approve", args=[case.reference, letter.pk]))
    write_letter(client, case, practitioner, account_of_progress="Changed after approval")
    letter.refresh_from_db()
    assert letter.status == "draft" and letter.approved_at is None


@pytest.mark.parametrize("who,status", [("practitioner", 403), ("other_supervisor", 404), ("administrator", 403)])
def test_only_a_supervisor_of_the_team_approves(client, approval_case, practitioner, request, who, status):
    case = approval_case
    letter = write_letter(client, case, practitioner)
    client.post(reverse("letters:ask_approval", args=[case.reference, letter.pk]))
    client.force_login(request.getfixturevalue(who))
    assert client.post(reverse("letters:approve", args=[case.reference, letter.pk])).status_code == status
    letter.refresh_from_db()
    assert letter.approved_at is None


def test_a_supervisor_cannot_write_or_finalise(client, full_case, practitioner, supervisor):
    letter = write_letter(client, full_case, practitioner)
    client.force_login(supervisor)
    assert client.post(reverse("letters:finalise", args=[full_case.reference, letter.pk])).status_code == 403
    assert client.post(letter.get_absolute_url(), {"account_of_progress": "x"}).status_code == 403
    assert client.post(reverse("letters:start", args=[full_case.reference])).status_code == 403
    letter.refresh_from_db()
    assert letter.status == "draft" and letter.account_of_progress == ACCOUNT


def test_edits_are_audited(client, full_case, practitioner):
    letter = write_letter(client, full_case, practitioner)
    events = AuditEvent.objects.filter(object_type="letters.trajectletter", object_id=str(letter.pk))
    assert set(events.values_list("action", flat=True)) >= {"create", "update"}


def test_case_page_links_to_the_letter(client, case, practitioner):
    client.force_login(practitioner)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Write the Traject Letter" in page and reverse("letters:start", args=[case.reference]) in page


def test_pdf_is_tagged_with_the_service_in_the_footer(client, full_case, practitioner, settings):
    settings.VIG_SERVICE_NAME = 'North "VIG" Service </style>'
    settings.VIG_SERVICE_CONTACT = "01234 567890"
    letter = finalise_and_render(client, full_case, write_letter(client, full_case, practitioner))
    text, info = pdf_text(letter)
    flat = " ".join(text.split())
    assert 'North "VIG" Service </style> · 01234 567890' in flat
    with letter.pdf.storage.open(letter.pdf.name, "rb") as fh:
        pdf = fh.read()
    assert "Tagged:          yes" in info  # PDF/UA-1
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "l.pdf"
        path.write_bytes(pdf)
        images = subprocess.run([shutil.which("pdfimages"), "-list", str(path)], check=True, capture_output=True)
    assert len(images.stdout.decode().strip().splitlines()) >= 3  # two header lines, then the still


def test_preview_embeds_stills_inline_and_hides_them_without_supervision_consent(
    client, full_case, practitioner, supervisor
):
    letter = write_letter(client, full_case, practitioner)
    url = reverse("letters:preview", args=[full_case.reference, letter.pk])
    assert "data:image/jpeg;base64," in client.get(url).content.decode()
    client.force_login(supervisor)
    page = client.get(url).content.decode()
    assert "data:image/jpeg;base64," not in page and "Sam looks up at you" in page


@pytest.mark.parametrize("consent", ["never recorded", "withdrawn"])
def test_the_preview_says_why_the_stills_are_hidden_from_a_supervisor(
    client, full_case, practitioner, supervisor, consent
):
    if consent == "withdrawn":
        ConsentFactory(case=full_case, purpose=Consent.Purpose.SUPERVISION, withdrawn_on=datetime.date(2026, 10, 5))
    letter = write_letter(client, full_case, practitioner)
    client.force_login(supervisor)

    page = client.get(reverse("letters:preview", args=[full_case.reference, letter.pk])).content.decode()

    assert "data:image/jpeg;base64," not in page
    assert "(image hidden: the client has not consented, or has withdrawn consent" in page


def test_a_render_error_is_a_failure_with_a_message(client, full_case, practitioner, monkeypatch):
    letter = write_letter(client, full_case, practitioner)
    client.post(reverse("letters:finalise", args=[full_case.reference, letter.pk]))

    def broken(letter):
        raise ValueError("bad layout")

    monkeypatch.setattr(rendering, "pdf_bytes", broken)
    rendering.render_letter_pdf(letter.pk)
    letter.refresh_from_db()
    assert letter.render_status == "failed" and letter.error == "The PDF could not be made."
    assert letter.lease_until is None and not letter.pdf
    assert client.get(reverse("letters:pdf", args=[full_case.reference, letter.pk])).status_code == 404


def test_only_the_cases_ready_stills_can_be_chosen(client, full_case, practitioner):
    stranger = StillFactory(image=ContentFile(jpeg_bytes(), name="x.jpg"))
    client.force_login(practitioner)
    client.post(reverse("letters:start", args=[full_case.reference]))
    letter = services.open_letter(full_case)
    response = client.post(letter.get_absolute_url(), {"account_of_progress": "x", "stills": [stranger.pk]})
    assert response.status_code == 200
    assert not letter.stills.exists()


def test_weasyprint_reads_every_rule_of_the_pdfs_stylesheet(client, full_case, practitioner, caplog):
    """A rule WeasyPrint cannot read is dropped with a warning on every render: screen-only rules stay out."""
    caplog.set_level(logging.WARNING, logger="weasyprint")

    finalise_and_render(client, full_case, write_letter(client, full_case, practitioner))

    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")] == []
