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

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="films")
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
        return f"Film of {self.recorded_on:%d/%m/%Y} ({self.activity})"

    def get_absolute_url(self):
        return reverse("clips:film_detail", kwargs={"reference": self.case.reference, "film_id": self.pk})

    @property
    def audit_label(self):
        return f"Film {self.pk}"

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    def storage_name(self, kind: str, extension: str) -> str:
        """films/<key>/<kind>.<ext>: fixed names, so a re-run replaces rather than adds."""
        return f"films/{self.key}/{kind}.{extension}"

    def derived_files(self):
        return [f for f in (self.playback, self.poster, self.thumbnails) if f]

    def all_files(self):
        return [f for f in (self.original, self.playback, self.poster, self.thumbnails) if f]

    def step_number(self) -> int:
        return self.STEPS_IN_ORDER.index(self.step)
