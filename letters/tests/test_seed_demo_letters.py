"""seed_demo's Traject Letters: a finalised, rendered letter for the closed case, a draft on another."""

import shutil
import subprocess
import tempfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from cases.models import Case
from letters.models import TrajectLetter

pytestmark = pytest.mark.django_db


def seed(settings, *args) -> str:
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def pdf_text_and_images(letter) -> tuple[str, int]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "letter.pdf"
        with letter.pdf.storage.open(letter.pdf.name, "rb") as fh:
            path.write_bytes(fh.read())
        text = subprocess.run([shutil.which("pdftotext"), str(path), "-"], check=True, capture_output=True, text=True)
        images = subprocess.run(
            [shutil.which("pdfimages"), "-list", str(path)], check=True, capture_output=True, text=True
        )
    return " ".join(text.stdout.split()), len(images.stdout.strip().splitlines()) - 2  # two header lines


def closed_case_letter() -> TrajectLetter:
    return TrajectLetter.objects.get(case__status=Case.Status.CLOSED)


def test_the_closed_case_has_a_finalised_rendered_letter_with_end_scores_descriptions_and_stills(settings):
    out = seed(settings)

    letter = closed_case_letter()
    case = letter.case
    assert letter.status == TrajectLetter.Status.FINALISED and letter.version == 1
    assert letter.render_status == TrajectLetter.RenderStatus.READY, letter.error
    assert letter.finalised_at.date() == case.closed_on
    assert [goal["end"]["score"] for goal in letter.content["goals"]] == [7, 8, 8]
    assert letter.content["descriptions"]["after_relationship"].startswith("He comes and finds me")
    assert len(letter.content["stills"]) == 3
    text, images = pdf_text_and_images(letter)
    for words in ("7 out of 10", "He comes and finds me", "Tyler asks for your help", "Ideas for the future"):
        assert words in text, words
    assert images == 3
    assert f"Demo Traject Letter for {case.reference}: version 1, finalised, PDF ready, 3 stills." in out
    # The draft on the mid-way case has that case's stills chosen (one seed with films is slow: checked here).
    draft = TrajectLetter.objects.get(status=TrajectLetter.Status.DRAFT)
    assert draft.stills.count() == 3 and {s.clip.film.case for s in draft.stills.all()} == {draft.case}


def test_another_case_has_a_draft_letter(settings):
    out = seed(settings, "--no-films")

    draft = TrajectLetter.objects.get(status=TrajectLetter.Status.DRAFT)
    assert draft.case.status == Case.Status.ACTIVE
    assert draft.content is None and not draft.pdf and draft.account_of_progress
    assert f"Demo Traject Letter for {draft.case.reference}: version 1, draft, 0 stills." in out


def test_without_films_the_letters_are_made_and_leave_the_stills_out(settings):
    out = seed(settings, "--no-films")

    letter = closed_case_letter()
    assert letter.render_status == TrajectLetter.RenderStatus.READY, letter.error
    assert letter.left_out == ["stills"] and letter.content["stills"] == []
    text, images = pdf_text_and_images(letter)
    assert "He comes and finds me" in text and "No stills chosen" not in text
    assert images == 0
    assert out.count("Demo Traject Letter for") == 2
