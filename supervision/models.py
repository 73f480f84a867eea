"""Supervision: notes on a case, supervision sessions, and a trainee's way to accreditation.

Supervisors read their teams' cases and do not change the practitioner's record;
what they write lives here, beside it: notes the practitioner sees and answers,
and the log of supervision sessions. Who may read any of it follows the case
(`Case.objects.visible_to`) or, for a session, the supervisee's team.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone


def supervises(user, practitioner) -> bool:
    """True when `user` supervises the team `practitioner` works in."""
    return (
        user.is_authenticated
        and practitioner.team_id is not None
        and user.supervised_teams.filter(pk=practitioner.team_id).exists()
    )


def supervises_case(user, case) -> bool:
    return user.is_authenticated and user.supervised_teams.filter(pk=case.team_id).exists()


class SupervisionNoteQuerySet(models.QuerySet):
    def from_supervisors(self):
        return self.filter(author_role=SupervisionNote.Role.SUPERVISOR)

    def unanswered(self):
        """A supervisor's note the practitioner has not answered yet (no reply of theirs)."""
        answered = SupervisionNote.objects.filter(
            in_reply_to=OuterRef("pk"), author_role=SupervisionNote.Role.PRACTITIONER
        )
        return self.from_supervisors().filter(in_reply_to__isnull=True).exclude(Exists(answered))


class SupervisionNote(models.Model):
    """A note on a case between the team's supervisor and the case's practitioner.

    A note opens a thread; answers point at it with `in_reply_to` (one level:
    an answer to an answer joins the same thread). The author's role is kept
    as it was when they wrote, so the thread reads right if roles change.
    """

    class Role(models.TextChoices):
        SUPERVISOR = "supervisor", "Supervisor"
        PRACTITIONER = "practitioner", "Practitioner"

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="supervision_notes")
    in_reply_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    author_role = models.CharField(max_length=12, choices=Role.choices)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    objects = SupervisionNoteQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["case", "created_at"])]

    def __str__(self):
        return f"Supervision note {self.pk}"

    @property
    def audit_label(self):
        return f"Supervision note {self.pk}" + (f" (answer to {self.in_reply_to_id})" if self.in_reply_to_id else "")

    @property
    def by_supervisor(self) -> bool:
        return self.author_role == self.Role.SUPERVISOR


class SupervisionSessionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The supervisee, the supervisor who led it, the supervisee's team's supervisors, administrators."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.is_administrator:
            return self.all()
        return self.filter(
            Q(practitioner=user) | Q(supervisor=user) | Q(practitioner__team__in=user.supervised_teams.values("pk"))
        )


class SupervisionSession(models.Model):
    """A supervision session: who supervised whom, when, for how long, and what was looked at.

    Logged by the supervisor: it is their record of supervision given, and it
    counts towards a trainee's accreditation, so the trainee does not log it
    for themself. Cases discussed are the supervisee's own; clips and review
    films discussed come from those cases.
    """

    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supervision_sessions"
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supervision_sessions_led"
    )
    held_on = models.DateField("Date", default=timezone.localdate)
    duration_minutes = models.PositiveSmallIntegerField(
        "Duration (minutes)", validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    cases = models.ManyToManyField("cases.Case", blank=True, related_name="supervision_sessions")
    clips = models.ManyToManyField("clips.Clip", blank=True, related_name="supervision_sessions")
    films = models.ManyToManyField(
        "clips.Film",
        blank=True,
        related_name="supervision_sessions",
        help_text="Films of the practitioner's own shared reviews.",
    )
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SupervisionSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["practitioner", "held_on"])]

    def __str__(self):
        return f"Supervision on {self.held_on:%d/%m/%Y}"

    def get_absolute_url(self):
        return reverse("supervision:session_detail", kwargs={"supervision_session_id": self.pk})

    @property
    def audit_label(self):
        return f"Supervision session {self.pk}"


class AccreditationStage(models.Model):
    """A stage of supervised practice towards VIG accreditation, and what it asks for.

    The numbers are the service's to set (administrators, in the Django admin).
    """

    name = models.CharField(max_length=100, unique=True)
    order = models.PositiveSmallIntegerField(unique=True, help_text="1 for the first stage, 2 for the next…")
    required_cycles = models.PositiveSmallIntegerField(
        "Completed cycles", help_text="Cycles completed (a shared review held after a film)."
    )
    required_clients = models.PositiveSmallIntegerField(
        "Different clients", help_text="Different clients among those cycles."
    )
    required_sessions = models.PositiveSmallIntegerField("Supervision sessions")

    class Meta:
        ordering = ["order"]

    def __str__(self):
        return self.name


class Trainee(models.Model):
    """A practitioner working towards accreditation, and the stage they are at."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trainee")
    stage = models.ForeignKey(AccreditationStage, on_delete=models.PROTECT, related_name="trainees")
    counting_from = models.DateField(
        null=True,
        blank=True,
        help_text="Count cycles and supervision from this date (when the stage began). Empty counts everything.",
    )

    class Meta:
        ordering = ["user__first_name", "user__last_name", "user__username"]

    def __str__(self):
        return f"{self.user} ({self.stage})"
