import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone


class FilmUpload(models.Model):
    """A resumable (tus) upload in progress, before it becomes a Film.

    The bytes live in a scratch file on the web machine (settings.VIG_UPLOAD_DIR,
    named by the id, never by the client's file name) until the upload is
    complete and ffprobe has accepted it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="film_uploads")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    length = models.BigIntegerField()
    offset = models.BigIntegerField(default=0)
    filename = models.CharField(
        max_length=255, blank=True, help_text="As the client named it; shown, never used as a path."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="upload_offset_within_length", condition=Q(offset__gte=0, offset__lte=F("length"))
            )
        ]

    def __str__(self):
        return f"Upload {self.id} ({self.offset}/{self.length})"

    @property
    def path(self):
        return settings.VIG_UPLOAD_DIR / f"{self.id}.part"

    @property
    def is_complete(self) -> bool:
        return self.offset == self.length

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @classmethod
    def expiry_from_now(cls):
        return timezone.now() + timedelta(hours=settings.VIG_UPLOAD_EXPIRY_HOURS)


class FilmQuerySet(models.QuerySet):
    def for_case(self, case):
        return self.filter(case=case)

    def of_the_family(self):
        """The films of a VIG cycle: only these count as the case's films 1, 2, 3."""
        return self.filter(kind=Film.Kind.FAMILY)

    def of_a_review(self):
        """Films of the practitioner's own shared review, brought to supervision."""
        return self.filter(kind=Film.Kind.REVIEW)

    def stalled(self, now=None):
        """Films whose processing lease ran out: the worker holding them died."""
        now = now or timezone.now()
        return self.filter(status=Film.Status.PROCESSING, lease_until__lt=now) | self.filter(
            status=Film.Status.PROCESSING, lease_until__isnull=True, updated_at__lt=now - timedelta(minutes=2)
        )


class Film(models.Model):
    """A 10-15 minute film of the client and child, and everything derived from it.

    The original is kept private; the browser only ever gets the playback copy,
    through an access-checked view. Files are named by the film's key, never
    by anything the uploader chose.
    """

    class Status(models.TextChoices):
        PROCESSING = "processing", "Processing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    class Step(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        PROBING = "probing", "Checking the file"
        TRANSCODING = "transcoding", "Making the playback copy"
        POSTER = "poster", "Making the poster image"
        THUMBNAILS = "thumbnails", "Making the thumbnails"
        DONE = "done", "Done"

    STEPS_IN_ORDER = [Step.QUEUED, Step.PROBING, Step.TRANSCODING, Step.POSTER, Step.THUMBNAILS, Step.DONE]

    class Setting(models.TextChoices):
        HOME = "home", "Home"
        SCHOOL = "school", "School"
        OTHER = "other", "Other"

    class Kind(models.TextChoices):
        FAMILY = "family", "A film of the client and child (for a cycle)"
        REVIEW = "review", "A film of my shared review with the client (for supervision)"

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="films")
    # A guider is supervised on film too: a film of their own shared review goes through the
    # same pipeline and privacy (the client appears), but it is not one of the cycle's films.
    kind = models.CharField("What is filmed", max_length=10, choices=Kind.choices, default=Kind.FAMILY)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_on = models.DateField()
    setting = models.CharField(max_length=10, choices=Setting.choices, default=Setting.HOME)
    activity = models.CharField(max_length=150, help_text="For example reading a book, building with Lego.")
    original_name = models.CharField(max_length=255, blank=True)

    original = models.FileField(max_length=255, blank=True)
    original_size = models.BigIntegerField(default=0)
    playback = models.FileField(max_length=255, blank=True)
    poster = models.FileField(max_length=255, blank=True)
    thumbnails = models.FileField(max_length=255, blank=True)
    thumbnail_count = models.PositiveSmallIntegerField(default=0)
    thumbnail_interval = models.FloatField(default=0, help_text="Seconds of film between two thumbnails.")

    duration = models.FloatField(null=True, blank=True, help_text="Seconds.")
    frame_rate = models.FloatField(
        null=True, blank=True, help_text="Frames per second of the playback copy (constant)."
    )
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    source_info = models.JSONField(default=dict, blank=True)

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROCESSING)
    step = models.CharField(max_length=12, choices=Step.choices, default=Step.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent of the current step.")
    error = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    ready_at = models.DateTimeField(null=True, blank=True)

    objects = FilmQuerySet.as_manager()

    class Meta:
        ordering = ["recorded_on", "created_at", "pk"]

    def __str__(self):
        if self.is_review_film:
            return f"Review film of {self.recorded_on:%d/%m/%Y} ({self.activity})"
        return f"Film of {self.recorded_on:%d/%m/%Y} ({self.activity})"

    def get_absolute_url(self):
        return reverse("clips:film_detail", kwargs={"reference": self.case.reference, "film_id": self.pk})

    @property
    def audit_label(self):
        return f"Film {self.pk}"

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    @property
    def is_review_film(self) -> bool:
        return self.kind == self.Kind.REVIEW

    def storage_name(self, kind: str, extension: str) -> str:
        """films/<key>/<kind>.<ext>: fixed names, so a re-run replaces rather than adds."""
        return f"films/{self.key}/{kind}.{extension}"

    def derived_files(self):
        return [f for f in (self.playback, self.poster, self.thumbnails) if f]

    def all_files(self):
        return [f for f in (self.original, self.playback, self.poster, self.thumbnails) if f]

    def step_number(self) -> int:
        return self.STEPS_IN_ORDER.index(self.step)


class Principle(models.Model):
    """One of the six principles of attuned interactions (VIG.md), stored as data.

    Codes are stable: tags survive any change of wording.
    """

    code = models.SlugField(unique=True)
    number = models.PositiveSmallIntegerField(unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["number"]

    def __str__(self):
        return self.name


class PrincipleElement(models.Model):
    principle = models.ForeignKey(Principle, on_delete=models.PROTECT, related_name="elements")
    code = models.CharField(max_length=80, unique=True, help_text="<principle code>.<element>, never changed.")
    text = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["principle__number", "position"]

    def __str__(self):
        return describe(self.principle, self)


def describe(principle, element) -> str:
    """ "receiving initiatives: returning eye contact, smiling, nodding in response" """
    return f"{principle.name.lower()}: {element.text[:1].lower()}{element.text[1:]}"


class ClipQuerySet(models.QuerySet):
    def in_order(self):
        return self.order_by("position", "start_frame", "pk")


class Clip(models.Model):
    """A short moment of attunement chosen from a film, between two marked frames (both included).

    The clip's file is cut from the film's playback copy by a worker. Changing
    a mark bumps `marks_version`; a cut made for an older version is thrown
    away, so the file always matches the marks shown.
    """

    class Status(models.TextChoices):
        PROCESSING = "processing", "Being cut"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    film = models.ForeignKey(Film, on_delete=models.CASCADE, related_name="clips")
    start_frame = models.PositiveIntegerField()
    end_frame = models.PositiveIntegerField()
    caption = models.CharField(max_length=300, help_text="What is happening, in your words.")
    review_note = models.TextField(blank=True, help_text="What to look at together in the shared review.")
    helping_question = models.ForeignKey(
        "cases.HelpingQuestion", null=True, blank=True, on_delete=models.SET_NULL, related_name="clips"
    )
    goal = models.ForeignKey("cases.Goal", null=True, blank=True, on_delete=models.SET_NULL, related_name="clips")
    position = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    video = models.FileField(max_length=255, blank=True)
    poster = models.FileField(max_length=255, blank=True)
    marks_version = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROCESSING)
    error = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClipQuerySet.as_manager()

    class Meta:
        ordering = ["position", "start_frame", "pk"]
        constraints = [
            models.CheckConstraint(name="clip_ends_after_it_starts", condition=Q(end_frame__gte=F("start_frame"))),
        ]

    def __str__(self):
        return self.caption

    @property
    def audit_label(self):
        return f"Clip {self.pk}"

    @property
    def case(self):
        return self.film.case

    @property
    def frame_count(self) -> int:
        return self.end_frame - self.start_frame + 1

    @property
    def start_seconds(self) -> float:
        return self.start_frame / self.film.frame_rate

    @property
    def end_seconds(self) -> float:
        """The moment the last frame ends."""
        return (self.end_frame + 1) / self.film.frame_rate

    @property
    def duration(self) -> float:
        return self.frame_count / self.film.frame_rate

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    def storage_name(self, kind: str, extension: str) -> str:
        return f"films/{self.film.key}/clips/{self.key}-{kind}.{extension}"

    def all_files(self):
        return [f for f in (self.video, self.poster) if f]


class ClipTag(models.Model):
    """A principle seen in a clip, optionally down to one of its elements."""

    clip = models.ForeignKey(Clip, on_delete=models.CASCADE, related_name="tags")
    principle = models.ForeignKey(Principle, on_delete=models.PROTECT, related_name="+")
    element = models.ForeignKey(PrincipleElement, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["principle__number", "element__position"]
        constraints = [
            models.UniqueConstraint(fields=["clip", "principle", "element"], name="one_tag_per_clip_element"),
        ]

    def __str__(self):
        # The tag's own principle (prefetched with the tags), not element.principle,
        # which would cost a query per tag on every page listing clips.
        return describe(self.principle, self.element) if self.element_id else self.principle.name


class Annotation(models.Model):
    """A moment marked while watching, to come back to; it may become a clip later."""

    film = models.ForeignKey(Film, on_delete=models.CASCADE, related_name="annotations")
    frame = models.PositiveIntegerField()
    note = models.CharField(max_length=300, blank=True)
    clip = models.ForeignKey(Clip, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["frame", "pk"]

    def __str__(self):
        return self.note or f"Moment at frame {self.frame}"

    @property
    def audit_label(self):
        return f"Annotation {self.pk}"

    @property
    def case(self):
        return self.film.case


class Still(models.Model):
    """One exact frame of a clip as an image, with a caption; these go into the Traject Letter."""

    class Status(models.TextChoices):
        PROCESSING = "processing", "Being made"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clip = models.ForeignKey(Clip, on_delete=models.CASCADE, related_name="stills")
    frame = models.PositiveIntegerField(help_text="Frame number in the film.")
    caption = models.CharField(max_length=300, blank=True)
    image = models.FileField(max_length=255, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROCESSING)
    error = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["frame", "pk"]

    def __str__(self):
        return self.caption or f"Still at frame {self.frame}"

    @property
    def audit_label(self):
        return f"Still {self.pk}"

    @property
    def case(self):
        return self.clip.film.case

    def storage_name(self) -> str:
        return f"films/{self.clip.film.key}/stills/{self.key}.jpg"
