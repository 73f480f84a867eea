"""A case with a full record and the steps to write, finalise and render its letter, shared by the letters tests."""

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image

from cases.models import GoalRating
from cases.tests.factories import (
    GoalFactory,
    GoalRatingFactory,
    HelpingQuestionFactory,
    RelationshipDescriptionFactory,
)
from clips.tests.factories import ClipFactory, FilmFactory, StillFactory
from letters import rendering, services
from letters.models import TrajectLetter

ACCOUNT = "You noticed how Sam waited for you.\n\nNow you wait for him & he talks."
ATTACK = "<script>alert(1)</script><b>bold</b>"


def jpeg_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 120, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def full_case(case):
    HelpingQuestionFactory(case=case, text="How can I help Sam to talk to me about his day?")
    goal1 = GoalFactory(case=case, description="Enjoy reading together at bedtime")
    goal2 = GoalFactory(case=case, description="Sam tells me about school")
    for goal, (start, hope, review, end) in ((goal1, (2, 8, 5, 7)), (goal2, (3, 9, 4, 6))):
        GoalRatingFactory(goal=goal, phase=GoalRating.Phase.BASELINE, score=start)
        GoalRatingFactory(goal=goal, phase=GoalRating.Phase.HOPED_FOR, score=hope)
        GoalRatingFactory(goal=goal, phase=GoalRating.Phase.REVIEW, review_number=1, score=review)
        GoalRatingFactory(goal=goal, phase=GoalRating.Phase.END, score=end)
    texts = {
        ("before", "child"): "Sam is always angry",
        ("after", "child"): "Sam is funny and chatty",
        ("before", "relationship"): "We shout a lot",
        ("after", "relationship"): "We laugh together",
    }
    for (moment, subject), text in texts.items():
        RelationshipDescriptionFactory(case=case, moment=moment, subject=subject, text=text)
    film = FilmFactory(case=case)
    clip = ClipFactory(film=film)
    StillFactory(clip=clip, caption="Sam looks up at you", image=ContentFile(jpeg_bytes(), name="s.jpg"))
    return case


def write_letter(client, case, practitioner, **data):
    client.force_login(practitioner)
    response = client.post(reverse("letters:start", args=[case.reference]))
    assert response.status_code == 302
    letter = services.open_letter(case)
    still_ids = [s.pk for s in services.ready_stills(case)]
    form = {"account_of_progress": ACCOUNT, "ideas_for_future": "Keep reading together.", "stills": still_ids}
    form.update(data)
    response = client.post(reverse("letters:detail", args=[case.reference, letter.pk]), form)
    assert response.status_code == 302
    return TrajectLetter.objects.get(pk=response.url.rstrip("/").split("/")[-1])


def finalise_and_render(client, case, letter):
    response = client.post(reverse("letters:finalise", args=[case.reference, letter.pk]))
    assert response.status_code == 302
    rendering.render_letter_pdf(letter.pk)
    letter.refresh_from_db()
    assert letter.render_status == "ready", letter.error
    return letter


def pdf_text(letter):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "l.pdf"
        path.write_bytes(letter.pdf.read())
        letter.pdf.close()
        text = subprocess.run(
            [shutil.which("pdftotext"), "-layout", str(path), "-"], check=True, capture_output=True, text=True
        )
        info = subprocess.run([shutil.which("pdfinfo"), str(path)], check=True, capture_output=True, text=True)
    return text.stdout, info.stdout
