from datetime import date

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    supervisors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="supervised_teams", blank=True)
    letters_need_approval = models.BooleanField(
        default=False, help_text="A supervisor of the team approves each Traject Letter before it is finalised."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Client(models.Model):
    """The adult who wants to change: a parent, carer or sometimes a teacher."""

    full_name = models.CharField(max_length=150)
    relationship_to_child = models.CharField(
        max_length=60, help_text="For example mother, father, foster carer, teacher."
    )
    email = models.EmailField(blank=True, help_text="Only if the client wants letters sent by email.")
    phone = models.CharField(max_length=30, blank=True)

    def __str__(self):
        return self.full_name


class Child(models.Model):
    """Only what the work needs: a name or initials, an age, where they learn."""

    name = models.CharField(max_length=100, help_text="First name or initials.")
    date_of_birth = models.DateField(null=True, blank=True)
    age_at_referral = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(25)],
        help_text="If the date of birth is not known.",
    )
    school_or_setting = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name_plural = "children"

    def __str__(self):
        return self.name

    def age(self, on: date | None = None) -> int | None:
        """Age in whole years from the date of birth; None when only the age at referral is known."""
        if self.date_of_birth is None:
            return None
        on = on or timezone.localdate()
        dob = self.date_of_birth
        return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The one gate for reading case data.

        A practitioner sees their own cases, a supervisor the cases of the teams
        they supervise (and their own, if they also practise), an administrator
        all. Anything reached through a case is scoped through this.
        """
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.is_administrator:
            return self.all()
        # A subquery, not a join: joining the supervisors table would repeat a
        # case once per supervisor of its team.
        return self.filter(Q(practitioner=user) | Q(team__in=user.supervised_teams.values("pk")))

    def active(self):
        return self.exclude(status=Case.Status.CLOSED)


class Case(models.Model):
    class Status(models.TextChoices):
        REFERRED = "referred", "Referred"
        ACTIVE = "active", "Active"
        CLOSED = "closed", "Closed"

    class Setting(models.TextChoices):
        HOME = "home", "Home"
        SCHOOL = "school", "School"
        EARLY_YEARS = "early_years", "Early years setting"
        OTHER = "other", "Other"

    reference = models.CharField(max_length=20, unique=True, editable=False)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="cases")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="cases")
    practitioner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cases")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REFERRED)
    setting = models.CharField(
        max_length=20,
        choices=Setting.choices,
        default=Setting.HOME,
        help_text="Where the work mostly happens.",
    )
    opened_on = models.DateField(default=timezone.localdate)
    closed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="closed_case_has_closed_date",
                condition=Q(status="closed", closed_on__isnull=False) | ~Q(status="closed"),
            ),
        ]
        indexes = [models.Index(fields=["practitioner", "status"])]

    def __str__(self):
        return self.reference

    def get_absolute_url(self):
        return reverse("cases:detail", kwargs={"reference": self.reference})

    @property
    def audit_label(self):
        return self.reference

    def is_editable_by(self, user) -> bool:
        """Only the case's practitioner, or an administrator, changes the record.

        Supervisors read their teams' cases but do not edit the practitioner's
        record. Call this on a case fetched through `visible_to`.
        """
        return user.is_authenticated and (user.is_administrator or self.practitioner_id == user.pk)

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    @property
    def current_helping_question(self):
        """The latest agreed wording. Uses prefetched rows when the view fetched them."""
        questions = list(self.helping_questions.all())
        return questions[0] if questions else None

    def consent_overview(self) -> list["ConsentState"]:
        """One line per purpose: given, withdrawn, or not recorded."""
        latest: dict[str, Consent] = {}
        # A consent still in force wins; otherwise the newest withdrawn one
        # explains why there is none. Agrees with has_consent().
        for consent in sorted(self.consents.all(), key=lambda c: (c.withdrawn_on is not None, -c.pk)):
            latest.setdefault(consent.purpose, consent)
        return [ConsentState(purpose, label, latest.get(purpose)) for purpose, label in Consent.Purpose.choices]

    def footage_visible_to(self, user) -> bool:
        """Films, clips and stills show children: the case's practitioner always sees them;
        anyone else (a supervisor, an administrator) only while the client's consent to
        showing them in supervision is recorded and not withdrawn."""
        return self.practitioner_id == user.pk or self.has_consent(Consent.Purpose.SUPERVISION)

    def has_consent(self, purpose: str) -> bool:
        """True only when consent for the purpose is recorded and not withdrawn."""
        return self.consents.filter(purpose=purpose, withdrawn_on__isnull=True).exists()


class ConsentState:
    def __init__(self, purpose: str, label: str, record: "Consent | None"):
        self.purpose = purpose
        self.label = label
        self.record = record

    @property
    def status(self) -> str:
        if self.record is None:
            return "missing"
        return "withdrawn" if self.record.withdrawn_on else "given"

    @property
    def is_given(self) -> bool:
        return self.status == "given"


class HelpingQuestion(models.Model):
    """The client's own question. A revision adds a row, so the history stays."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="helping_questions")
    text = models.TextField(help_text='In the client\'s words, e.g. "How can I help Sam to talk to me about his day?"')
    agreed_on = models.DateField(default=timezone.localdate)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-agreed_on", "-created_at", "-pk"]

    def __str__(self):
        return self.text

    @property
    def audit_label(self):
        return f"Helping Question of {self.agreed_on:%d/%m/%Y}"


class Goal(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="goals")
    description = models.CharField(max_length=300, help_text="What the client hopes will change.")
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.description

    @property
    def audit_label(self):
        return f"Goal {self.pk}"

    def ratings_by_phase(self) -> dict:
        """{'baseline': rating, 'hoped_for': rating, 'end': rating, 'reviews': [...]}, from prefetched rows."""
        found = {"baseline": None, "hoped_for": None, "end": None, "reviews": []}
        for rating in self.ratings.all():
            if rating.phase == GoalRating.Phase.REVIEW:
                found["reviews"].append(rating)
            else:
                found[rating.phase] = rating
        found["reviews"].sort(key=lambda r: r.review_number)
        return found


class GoalRating(models.Model):
    """A 0-10 rating of one goal at one moment of the work."""

    class Phase(models.TextChoices):
        BASELINE = "baseline", "Where I am now (start)"
        HOPED_FOR = "hoped_for", "Where I hope to get to"
        REVIEW = "review", "At a review"
        END = "end", "Where I am at the end"

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="ratings")
    phase = models.CharField(max_length=10, choices=Phase.choices)
    review_number = models.PositiveSmallIntegerField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(validators=[MinValueValidator(0), MaxValueValidator(10)])
    rated_on = models.DateField(default=timezone.localdate)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["goal", "rated_on", "pk"]
        constraints = [
            models.CheckConstraint(name="rating_score_0_to_10", condition=Q(score__gte=0, score__lte=10)),
            models.CheckConstraint(
                name="review_rating_has_number",
                condition=Q(phase="review", review_number__isnull=False)
                | (~Q(phase="review") & Q(review_number__isnull=True)),
            ),
            models.UniqueConstraint(
                fields=["goal", "phase"], condition=~Q(phase="review"), name="one_rating_per_goal_phase"
            ),
            models.UniqueConstraint(
                fields=["goal", "review_number"], condition=Q(phase="review"), name="one_rating_per_goal_review"
            ),
        ]
        # Covers the outcomes' join from a goal to its rating at one phase (outcomes/figures.py),
        # so the score is read from the index without touching the table.
        indexes = [models.Index(fields=["goal", "phase", "score"], name="rating_goal_phase_score")]

    def __str__(self):
        return f"{self.label}: {self.score}"

    @property
    def case(self):
        return self.goal.case

    @property
    def label(self) -> str:
        if self.phase == self.Phase.REVIEW:
            return f"Review {self.review_number}"
        return {"baseline": "Start", "hoped_for": "Hoped for", "end": "End"}[self.phase]

    @property
    def audit_label(self):
        return f"Goal {self.goal_id} rating ({self.label})"


class RelationshipDescription(models.Model):
    """How the client describes their child, or their relationship, before or after the work."""

    class Moment(models.TextChoices):
        BEFORE = "before", "At the start"
        AFTER = "after", "At the end"

    class Subject(models.TextChoices):
        CHILD = "child", "My child"
        RELATIONSHIP = "relationship", "Our relationship"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="descriptions")
    moment = models.CharField(max_length=10, choices=Moment.choices)
    subject = models.CharField(max_length=20, choices=Subject.choices)
    text = models.TextField()
    recorded_on = models.DateField(default=timezone.localdate)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "moment", "subject"], name="one_description_per_moment_subject")
        ]

    def __str__(self):
        return self.text

    @property
    def audit_label(self):
        return f"Description ({self.get_subject_display()}, {self.get_moment_display()})"


class Consent(models.Model):
    """Consent for one purpose, as AVIGuk expects: each use of film agreed separately.

    Withdrawal is recorded on the row rather than deleting it, so the record
    shows when consent held. Consent given again after a withdrawal is a new row.
    """

    class Purpose(models.TextChoices):
        FILMING = "filming", "Filming"
        SUPERVISION = "supervision", "Clips shown in the practitioner's supervision"
        INTERVISION = "intervision", "Clips shown in peer-group supervision (intervision)"
        TRAINING = "training", "Clips shown at training events or presentations"
        LETTER_LINK = "letter_link", "Sharing the Traject Letter by secure link"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    given_by = models.CharField(max_length=150, help_text="Who gave consent, e.g. the client, or both parents.")
    given_on = models.DateField(default=timezone.localdate)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    withdrawn_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "purpose"],
                condition=Q(withdrawn_on__isnull=True),
                name="one_current_consent_per_purpose",
            ),
        ]

    def __str__(self):
        return f"{self.get_purpose_display()} ({self.given_by})"

    @property
    def audit_label(self):
        return f"Consent: {self.get_purpose_display()}"
