"""Operations on Traject Letters that span several models: drafting from the record, freezing, versions."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Prefetch
from django.utils import timezone

from cases.models import GoalRating, RelationshipDescription
from clips.models import Still
from sessions.summary import refresh_case_summary

from . import links
from .models import ClientLink, ClientLinkAccess, TrajectLetter


class LetterError(Exception):
    """An operation not allowed in the letter's current state; the message is for the user."""


def ready_stills(case):
    return (
        Still.objects.filter(clip__film__case=case, status=Still.Status.READY)
        .exclude(image="")
        .order_by("clip__film__recorded_on", "clip__position", "frame", "pk")
    )


def _rating(rating):
    if rating is None:
        return None
    return {"label": rating.label, "score": rating.score, "rated_on": rating.rated_on.isoformat()}


def build_content(letter: TrajectLetter) -> dict:
    """The letter's content from the record as it is now: what finalising freezes."""
    case = letter.case
    question = case.helping_questions.first()
    goals = []
    for goal in case.goals.prefetch_related(Prefetch("ratings", queryset=GoalRating.objects.all())):
        phases = goal.ratings_by_phase()
        goals.append(
            {
                "id": goal.pk,
                "description": goal.description,
                "baseline": _rating(phases["baseline"]),
                "hoped_for": _rating(phases["hoped_for"]),
                "end": _rating(phases["end"]),
                "reviews": [_rating(r) for r in phases["reviews"]],
            }
        )
    descriptions = {f"{d.moment}_{d.subject}": d.text for d in case.descriptions.all()}
    from sessions.models import SharedReview

    return {
        "reference": case.reference,
        "helping_question": question.text if question else "",
        "goals": goals,
        "descriptions": {
            key: descriptions.get(key, "")
            for key in (
                f"{m}_{s}"
                for m in RelationshipDescription.Moment.values
                for s in RelationshipDescription.Subject.values
            )
        },
        "films": case.films.of_the_family().count(),
        "reviews": SharedReview.objects.filter(case=case).count(),
        "stills": [
            {"id": s.pk, "caption": s.caption}
            for s in letter.stills.filter(status=Still.Status.READY).order_by("clip__position", "frame", "pk")
        ],
        "account_of_progress": letter.account_of_progress,
        "ideas_for_future": letter.ideas_for_future,
        "left_out": list(letter.left_out),
    }


def content_of(letter: TrajectLetter) -> dict:
    """The frozen content of a finalised letter; the live record for a draft."""
    return letter.content if letter.content is not None else build_content(letter)


def missing_data(content: dict) -> list[str]:
    """What the letter would need but the record lacks, named so it is not quietly hidden."""
    left_out = set(content["left_out"])
    missing = []
    if "helping_question" not in left_out and not content["helping_question"]:
        missing.append("No Helping Question recorded yet")
    if "goals" not in left_out:
        if not content["goals"]:
            missing.append("No goals recorded yet")
        for number, goal in enumerate(content["goals"], start=1):
            for phase, words in (
                ("baseline", "starting score"),
                ("hoped_for", "hoped-for score"),
                ("end", "final score"),
            ):
                if goal[phase] is None:
                    missing.append(f"Goal {number} has no {words} yet")
    if "descriptions" not in left_out:
        names = {"child": "of the child", "relationship": "of the relationship"}
        for moment, word in (("before", "before"), ("after", "after")):
            for subject, name in names.items():
                if not content["descriptions"].get(f"{moment}_{subject}"):
                    missing.append(f"No '{word}' description {name} yet")
    if "stills" not in left_out and not content["stills"]:
        missing.append("No stills chosen")
    if "account" not in left_out and not content["account_of_progress"].strip():
        missing.append("No account of progress written yet")
    if "future" not in left_out and not content["ideas_for_future"].strip():
        missing.append("No ideas for the future written yet")
    return missing


def open_letter(case):
    return case.letters.exclude(status=TrajectLetter.Status.FINALISED).first()


@transaction.atomic
def start_draft(case, user) -> TrajectLetter:
    """A new draft, filled from the record and from the latest finalised version if there is one.

    An open draft is returned as it is. Atomic (and joining the caller's transaction), so the
    finalised version it copies from is locked while the new version number is taken.
    """
    existing = open_letter(case)
    if existing is not None:
        return existing
    latest = case.letters.select_for_update().filter(status=TrajectLetter.Status.FINALISED).first()
    version = (case.letters.aggregate(v=Max("version"))["v"] or 0) + 1
    letter = TrajectLetter.objects.create(
        case=case,
        version=version,
        created_by=user,
        account_of_progress=latest.account_of_progress if latest else "",
        ideas_for_future=latest.ideas_for_future if latest else "",
        left_out=list(latest.left_out) if latest else [],
    )
    if latest is not None:
        letter.stills.set(latest.stills.all())
    refresh_case_summary(case)
    return letter


def needs_approval(letter: TrajectLetter) -> bool:
    return letter.case.team.letters_need_approval and letter.approved_at is None


def ask_for_approval(letter: TrajectLetter) -> None:
    if letter.status != TrajectLetter.Status.DRAFT:
        raise LetterError("Only a draft can be sent for approval.")
    letter.status = TrajectLetter.Status.AWAITING_APPROVAL
    letter.approval_requested_at = timezone.now()
    letter.save(update_fields=["status", "approval_requested_at", "updated_at"])
    refresh_case_summary(letter.case_id)


def approve(letter: TrajectLetter, user) -> None:
    if letter.status != TrajectLetter.Status.AWAITING_APPROVAL:
        raise LetterError("This letter is not waiting for approval.")
    letter.approved_by = user
    letter.approved_at = timezone.now()
    letter.save(update_fields=["approved_by", "approved_at", "updated_at"])
    refresh_case_summary(letter.case_id)


def reopen_for_edit(letter: TrajectLetter) -> None:
    """An edit to a letter awaiting approval takes it back to a draft; an approval no longer holds."""
    if letter.status == TrajectLetter.Status.AWAITING_APPROVAL or letter.approved_at:
        letter.status = TrajectLetter.Status.DRAFT
        letter.approved_by = None
        letter.approved_at = None
        letter.approval_requested_at = None


def finalise(letter: TrajectLetter, user) -> None:
    """Freeze the content and queue the PDF. Call inside a transaction."""
    if letter.is_finalised:
        raise LetterError("This letter is already finalised.")
    if needs_approval(letter):
        raise LetterError("A supervisor of the team must approve this letter before it is finalised.")
    letter.content = build_content(letter)
    letter.status = TrajectLetter.Status.FINALISED
    letter.finalised_by = user
    letter.finalised_at = timezone.now()
    letter.render_status = TrajectLetter.RenderStatus.PROCESSING
    letter.save()
    refresh_case_summary(letter.case_id)
    from .tasks import render_letter_pdf_task

    letter_id = letter.pk
    transaction.on_commit(lambda: render_letter_pdf_task.delay(letter_id))


def retry_render(letter: TrajectLetter) -> None:
    """Make a failed PDF again from the frozen content, with a fresh attempt count. Call inside a transaction."""
    if letter.render_status != TrajectLetter.RenderStatus.FAILED:
        raise LetterError("This letter's PDF is not waiting for a retry.")
    # updated_at too: the stalled-render sweep (letters.sweep) counts a lost message from it.
    TrajectLetter.objects.filter(pk=letter.pk).update(
        render_status=TrajectLetter.RenderStatus.PROCESSING,
        error="",
        attempts=0,
        lease_until=None,
        updated_at=timezone.now(),
    )
    from .tasks import render_letter_pdf_task

    letter_id = letter.pk
    transaction.on_commit(lambda: render_letter_pdf_task.delay(letter_id))


# --- The client's link ---------------------------------------------------------


@dataclass(frozen=True)
class NewLink:
    """A link as made: the token and passcode exist only here, to be shown once."""

    link: ClientLink
    token: str
    passcode: str | None


def create_link(*, letter: TrajectLetter, user, days: int, with_passcode: bool) -> NewLink:
    if not letter.is_finalised:
        raise LetterError("Only a finalised letter can be shared with the client.")
    token = links.new_token()
    passcode = links.new_passcode() if with_passcode else None
    link = ClientLink.objects.create(
        letter=letter,
        token_hash=links.token_hash(token),
        passcode_hash=links.hash_passcode(passcode) if passcode else "",
        expires_at=timezone.now() + timedelta(days=days),
        created_by=user,
    )
    return NewLink(link=link, token=token, passcode=passcode)


def revoke_link(*, link: ClientLink, user) -> None:
    if link.revoked_at:
        raise LetterError("This link was already revoked.")
    link.revoked_at = timezone.now()
    link.revoked_by = user
    link.save(update_fields=["revoked_at", "revoked_by"])


def note_wrong_passcode(*, link: ClientLink) -> bool:
    """Count a wrong passcode on the link; True when this one locked it. Call inside a transaction."""
    ClientLink.objects.filter(pk=link.pk).update(failed_attempts=F("failed_attempts") + 1)
    locked = ClientLink.objects.select_for_update().get(pk=link.pk)
    if locked.locked_at is None and locked.failed_attempts >= settings.VIG_LETTER_LINK_PASSCODE_ATTEMPTS:
        locked.locked_at = timezone.now()
        locked.save(update_fields=["locked_at"])
        link.locked_at = locked.locked_at
        return True
    return False


def record_access(*, link: ClientLink, kind: str) -> ClientLinkAccess:
    return ClientLinkAccess.objects.create(link=link, kind=kind)
