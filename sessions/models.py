"""Every contact with the client, the shared reviews that close each VIG cycle, and closing a case.

Where a case stands in the cycle (film → micro-analysis → shared review) is
worked out from these rows, the case's films and its ratings in
`sessions.progress`; the story of the case, in order, in `sessions.timeline`.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone


class Session(models.Model):
    """One contact with the client: a meeting, a filming, a shared review, a call."""

    class Kind(models.TextChoices):
        INITIAL = "initial", "Initial meeting"
        FILMING = "filming", "Filming"
        SHARED_REVIEW = "review", "Shared review"
        ENDING = "ending", "Ending meeting"
        OTHER = "other", "Other contact"

    class Place(models.TextChoices):
        HOME = "home", "Home"
        SCHOOL = "school", "School or setting"
        CLINIC = "clinic", "Clinic or office"
        ONLINE = "online", "Online"
        PHONE = "phone", "By phone"

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="sessions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    held_on = models.DateField("Date", default=timezone.localdate)
    starts_at = models.TimeField("Start time", null=True, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        "Duration (minutes)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
    )
    place = models.CharField(max_length=10, choices=Place.choices, default=Place.HOME)
    attendees = models.CharField("Who was there", max_length=300, blank=True)
    notes = models.TextField(blank=True)
    # A filming session links to the film made at it, once that film is uploaded.
    film = models.ForeignKey(
        "clips.Film", null=True, blank=True, on_delete=models.SET_NULL, related_name="filming_sessions"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["held_on", F("starts_at").asc(nulls_first=True), "pk"]
        constraints = [
            models.CheckConstraint(
                name="only_a_filming_session_has_a_film", condition=Q(film__isnull=True) | Q(kind="filming")
            ),
            models.UniqueConstraint(fields=["film"], name="one_filming_session_per_film"),
        ]
        indexes = [models.Index(fields=["case", "held_on"])]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.held_on:%d/%m/%Y}"

    def get_absolute_url(self):
        return reverse("vig_sessions:session_detail", kwargs={"reference": self.case.reference, "session_id": self.pk})

    @property
    def audit_label(self):
        return f"Session {self.pk} ({self.get_kind_display()})"

    @property
    def is_shared_review(self) -> bool:
        return self.kind == self.Kind.SHARED_REVIEW

    def clean(self):
        if self.film_id and self.kind != self.Kind.FILMING:
            raise ValidationError({"film": "Only a filming session has a film."})
        if self.film_id and self.case_id and self.film.case_id != self.case_id:
            raise ValidationError({"film": "Choose one of this case's films."})


class SharedReview(models.Model):
    """Practitioner and client watch the clips together: what was seen, said and planned.

    Review N closes cycle N. Its goal ratings are `cases.GoalRating` rows at
    phase "review" with `review_number` N: linked by the number, so the goal
    charts draw them without knowing about reviews. Numbers follow the order
    of the reviews (a review cannot be dated before the one it follows), and
    deleting one moves the later ones, and their ratings, down.
    """

    # The free-text fields, named once: the form makes them text areas and the
    # caseload leaves them out of its queries.
    TEXT_FIELDS = (
        "client_noticed",
        "practitioner_observations",
        "ideas_shared",
        "next_film_situation",
        "next_film_focus",
    )

    class Plan(models.TextChoices):
        ANOTHER_FILM = "film", "Another cycle: record the next film"
        ENDING = "ending", "Move to the ending"

    USUAL_MINUTES = (30, 60)

    session = models.OneToOneField(Session, on_delete=models.CASCADE, related_name="shared_review")
    # The session's case, kept here too so a review number is unique within its case.
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="shared_reviews")
    number = models.PositiveSmallIntegerField()
    film = models.ForeignKey(
        "clips.Film",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="shared_reviews",
        help_text="Leave it empty if the film is not uploaded (yet): you can link it later.",
    )
    clips = models.ManyToManyField("clips.Clip", blank=True, related_name="shared_reviews")
    client_noticed = models.TextField(
        "What the client thought and noticed",
        blank=True,
        help_text="What they thought about the clips, and what they noticed themselves doing that helps.",
    )
    practitioner_observations = models.TextField("Your observations", blank=True)
    ideas_shared = models.TextField("Ideas shared", blank=True)
    next_film_situation = models.TextField(
        "Next film: the situation", blank=True, help_text="What you will film next, and where."
    )
    next_film_focus = models.TextField("Next film: what to look out for", blank=True)
    plan = models.CharField(
        "After this review",
        max_length=10,
        choices=Plan.choices,
        blank=True,
        help_text="Left to decide, the case moves to the ending after the third review.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="one_review_per_number"),
            models.CheckConstraint(name="review_number_from_1", condition=Q(number__gte=1)),
        ]

    def __str__(self):
        return f"Review {self.number}"

    def get_absolute_url(self):
        return self.session.get_absolute_url()

    @property
    def audit_label(self):
        return f"Review {self.number}"

    @property
    def label(self) -> str:
        return f"Review {self.number}"


class ClosingEvent(models.Model):
    """A case closed, or reopened: appended, never changed, so the history stays.

    The case's own `status` and `closed_on` say where it is now; these rows say
    why and by whom. Closing is reversible by the practitioner or the case's
    supervisor.
    """

    class Kind(models.TextChoices):
        CLOSED = "closed", "Closed"
        REOPENED = "reopened", "Reopened"

    class Reason(models.TextChoices):
        COMPLETED = "completed", "The work is complete"
        CLIENT_ENDED = "client_ended", "The client chose to end the work"
        NO_CONTACT = "no_contact", "No longer in contact"
        REFERRED_ON = "referred_on", "Referred to another service"
        MOVED = "moved", "Moved out of the area"
        OTHER = "other", "Another reason"

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="closing_events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    on = models.DateField(default=timezone.localdate)
    reason = models.CharField(max_length=20, choices=Reason.choices, blank=True)
    note = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="closing_has_a_reason",
                condition=(Q(kind="closed") & ~Q(reason="")) | Q(kind="reopened", reason=""),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.on:%d/%m/%Y}"

    @property
    def audit_label(self):
        return f"Case {self.get_kind_display().lower()}"


class CaseSummary(models.Model):
    """Where a case stands, stored, so the caseload can filter, sort and page thousands of cases in SQL.

    Written only by `sessions.summary.refresh_case_summary()` from the rules in
    `sessions.progress` (never edited, never written in a `save()`): every
    service that changes what the rules read calls it, and a nightly task
    rewrites them all as a safety net. Nothing here depends on today's date:
    "overdue" and "no contact for N days" are asked of the stored dates in the
    query (`cases.caseload`), so they are never stale.
    """

    class LetterStatus(models.TextChoices):
        NONE = "", "No letter yet"
        DRAFT = "draft", "Draft"
        AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
        APPROVED = "approved", "Approved, to finalise"
        FINALISED = "finalised", "Finalised"

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, primary_key=True, related_name="summary")
    stage = models.CharField(max_length=20)
    cycle = models.PositiveSmallIntegerField(default=0)
    cycles_done = models.PositiveSmallIntegerField(default=0)
    next_step = models.CharField(max_length=200)
    last_contact = models.DateField(null=True, blank=True)
    # The Watch of sessions.progress; all empty for a closed case.
    quiet_since = models.DateField(null=True, blank=True)
    review_number = models.PositiveSmallIntegerField(null=True, blank=True)
    review_due_on = models.DateField(null=True, blank=True)
    due_film_number = models.PositiveSmallIntegerField(null=True, blank=True)
    failed_film_number = models.PositiveSmallIntegerField(null=True, blank=True)
    consent_withdrawn = models.BooleanField(default=False)
    # Comma-separated purposes (cases.Consent.Purpose), in the order of the purposes.
    withdrawn_consents = models.CharField(max_length=200, blank=True)
    films_awaiting_analysis = models.PositiveSmallIntegerField(default=0)
    letter_status = models.CharField(max_length=20, choices=LetterStatus.choices, blank=True)
    refreshed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "case summaries"

    def __str__(self):
        return f"Summary of case {self.case_id}"

    @property
    def cycle_label(self) -> str:
        from .progress import cycle_label

        return cycle_label(self.stage, self.cycle)

    @property
    def watch(self):
        """The stored Watch, to word the reasons for a given day; None for a closed case."""
        from .progress import Watch

        if self.quiet_since is None:
            return None
        return Watch(
            quiet_since=self.quiet_since,
            review_number=self.review_number,
            review_due_on=self.review_due_on,
            due_film_number=self.due_film_number,
            failed_film_number=self.failed_film_number,
            withdrawn_consents=tuple(p for p in self.withdrawn_consents.split(",") if p),
        )

    def reasons(self, today) -> list[str]:
        watch = self.watch
        return watch.reasons(today) if watch else []
