"""Supervision notes of a case as threads: each opening note with its answers, oldest first."""

from dataclasses import dataclass, field

from .models import SupervisionNote


@dataclass
class Thread:
    note: SupervisionNote
    replies: list[SupervisionNote] = field(default_factory=list)

    @property
    def awaits_answer(self) -> bool:
        """A supervisor's note the practitioner has not answered (agrees with `unanswered()`)."""
        return self.note.by_supervisor and not any(
            r.author_role == SupervisionNote.Role.PRACTITIONER for r in self.replies
        )


def note_threads(case) -> list[Thread]:
    """All the case's notes in one query, grouped into threads."""
    threads: dict[int, Thread] = {}
    replies = []
    for note in case.supervision_notes.select_related("author"):
        if note.in_reply_to_id is None:
            threads[note.pk] = Thread(note)
        else:
            replies.append(note)
    for reply in replies:
        if reply.in_reply_to_id in threads:
            threads[reply.in_reply_to_id].replies.append(reply)
    return list(threads.values())
