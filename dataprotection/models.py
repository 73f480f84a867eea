"""Data protection: how long each kind of record is kept, what was erased, and subject access exports."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

# The defaults, in one place. They follow common UK practice for a psychology or
# education service and are only a starting point: each service sets its own in
# the admin (RetentionPolicy), after asking its data protection officer.
# - Original films: only needed until the playback copy is checked and any
#   query after the ending is settled, so they go first (3 months).
# - Playback copies and clips: a client who comes back within a year can still
#   see the moments they worked on (12 months).
# - The Traject Letter and the record: kept as a professional record for the
#   usual seven years after the work ends (7 years).
DEFAULT_ORIGINAL_FILM_MONTHS = 3
DEFAULT_PLAYBACK_MONTHS = 12
DEFAULT_CLIP_MONTHS = 12
DEFAULT_RECORD_YEARS = 7


class RetentionPolicy(models.Model):
    """The service's retention periods, counted from the day a case closes. One row, edited in the admin.

    Deletion dates are worked out from this and the case's closing date, never
    stored: a changed policy or a reopened case changes them at once.
    """

    original_film_months = models.PositiveSmallIntegerField(
        default=DEFAULT_ORIGINAL_FILM_MONTHS,
        validators=[MaxValueValidator(1200)],
        help_text="Months after the case closes when the original film files are deleted.",
    )
    playback_months = models.PositiveSmallIntegerField(
        default=DEFAULT_PLAYBACK_MONTHS,
        validators=[MaxValueValidator(1200)],
        help_text="Months after the case closes when the playback copies (with their posters and thumbnails) go.",
    )
    clip_months = models.PositiveSmallIntegerField(
        default=DEFAULT_CLIP_MONTHS,
        validators=[MaxValueValidator(1200)],
        help_text="Months after the case closes when clips and the stills taken from them go.",
    )
    record_years = models.PositiveSmallIntegerField(
        default=DEFAULT_RECORD_YEARS,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Years after the case closes when the Traject Letter and the whole record are erased.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "retention policy"
        verbose_name_plural = "retention policy"

    def __str__(self):
        return "Retention policy"

    @classmethod
    def load(cls) -> "RetentionPolicy":
        """The policy in force: the saved row (made by a migration), or the defaults if it is missing.

        A read never writes, so a page showing dates costs exactly one query.
        """
        return cls.objects.filter(pk=1).first() or cls(pk=1)

    @property
    def record_months(self) -> int:
        return self.record_years * 12

    def clean(self):
        for field in ("original_film_months", "playback_months", "clip_months"):
            if getattr(self, field) > self.record_months:
                raise ValidationError({field: "Files cannot outlive the record: erasing the record takes them too."})


class RetentionRun(models.Model):
    """What one run of the daily retention job deleted: counts and case references, never content."""

    ran_at = models.DateTimeField(auto_now_add=True)
    on = models.DateField(help_text="The day the run counted as today.")
    counts = models.JSONField(default=dict)
    references = models.JSONField(default=list)
    failures = models.PositiveIntegerField(
        default=0, help_text="Files that could not be deleted; tried again tomorrow."
    )

    class Meta:
        ordering = ["-ran_at", "-pk"]

    def __str__(self):
        return f"Retention run of {self.on:%d/%m/%Y}"

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class CaseErasure(models.Model):
    """A case that was erased, kept after everything else of it has gone.

    No link to the case (it no longer exists): the reference as text, who
    erased it and why, and how much went.
    """

    class Kind(models.TextChoices):
        REQUEST = "request", "On request"
        RETENTION = "retention", "End of the retention period"

    reference = models.CharField(max_length=20, db_index=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    erased_at = models.DateTimeField(auto_now_add=True)
    erased_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    erased_by_name = models.CharField(max_length=150, blank=True)
    reason = models.TextField(blank=True)
    rows = models.JSONField(default=dict, help_text="Rows deleted, per kind of record.")
    files = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-erased_at", "-pk"]

    def __str__(self):
        return f"Erasure of {self.reference}"

    @property
    def audit_label(self):
        return f"Erasure {self.pk} of {self.reference}"

    @property
    def row_count(self) -> int:
        return sum(self.rows.values())


class SubjectAccessExport(models.Model):
    """Everything held about one client, as one zip, built by a worker and downloaded once."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        BUILDING = "building", "Being built"
        READY = "ready", "Ready to download"
        DOWNLOADED = "downloaded", "Downloaded and removed"
        EXPIRED = "expired", "Removed before it was downloaded"
        FAILED = "failed", "Failed"

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey("cases.Client", on_delete=models.CASCADE, related_name="subject_access_exports")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    case_references = models.JSONField(default=list)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=100, blank=True)
    file = models.FileField(max_length=255, blank=True)
    size = models.BigIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Subject access export {self.pk}"

    def get_absolute_url(self):
        return reverse("dataprotection:export_detail", kwargs={"export_id": self.pk})

    @property
    def audit_label(self):
        return f"Subject access export {self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status not in (self.Status.QUEUED, self.Status.BUILDING)

    def storage_name(self) -> str:
        return f"exports/{self.key}.zip"

    def download_name(self) -> str:
        return f"subject-access-{self.created_at:%Y-%m-%d}-{self.pk}.zip"
