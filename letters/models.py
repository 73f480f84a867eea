"""The Traject Letter: a draft the practitioner writes, frozen and rendered to PDF when finalised."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse


class TrajectLetterQuerySet(models.QuerySet):
    def for_case(self, case):
        return self.filter(case=case)


class TrajectLetter(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
        FINALISED = "finalised", "Finalised"

    class RenderStatus(models.TextChoices):
        NONE = "", "Not rendered"
        PROCESSING = "processing", "Being made"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    # Sections a practitioner may leave out of the letter.
    SECTIONS = [
        ("helping_question", "The Helping Question"),
        ("goals", "Goals and scores"),
        ("descriptions", "Descriptions before and after"),
        ("work", "Films and reviews"),
        ("stills", "Stills from the films"),
        ("account", "Account of progress"),
        ("future", "Ideas for the future"),
    ]

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="letters")
    version = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)

    account_of_progress = models.TextField(blank=True)
    ideas_for_future = models.TextField(blank=True)
    left_out = models.JSONField(default=list, blank=True)
    stills = models.ManyToManyField("clips.Still", blank=True, related_name="+")
    content = models.JSONField(null=True, blank=True, help_text="Frozen at finalising; never changed after.")

    pdf = models.FileField(max_length=255, blank=True)
    # Rendering follows the clips lease pattern (clips.pipeline); see rendering.claim.
    render_status = models.CharField(max_length=12, choices=RenderStatus.choices, default="", blank=True)
    error = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    approval_requested_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finalised_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TrajectLetterQuerySet.as_manager()

    class Meta:
        ordering = ["case", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["case", "version"], name="one_letter_per_case_version"),
            models.UniqueConstraint(fields=["case"], condition=~Q(status="finalised"), name="one_open_letter_per_case"),
        ]

    def __str__(self):
        return f"Traject Letter v{self.version}"

    def get_absolute_url(self):
        return reverse("letters:detail", kwargs={"reference": self.case.reference, "letter_id": self.pk})

    @property
    def audit_label(self):
        return f"Traject Letter {self.pk} v{self.version}"

    @property
    def is_finalised(self) -> bool:
        return self.status == self.Status.FINALISED

    def pdf_storage_name(self) -> str:
        return f"letters/{self.case.pk}/{self.key}-v{self.version}.pdf"

    def download_name(self) -> str:
        return f"{self.case.reference}-traject-letter-v{self.version}.pdf"
