"""The Traject Letter: a draft the practitioner writes, frozen and rendered to PDF when finalised."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


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


class ClientLinkQuerySet(models.QuerySet):
    def with_openings(self):
        """Each link with how often the client opened it and when last: the practitioner's 'opened N times'."""
        opened = Q(accesses__kind=ClientLinkAccess.Kind.OPENED)
        return self.annotate(
            times_opened=models.Count("accesses", filter=opened),
            last_opened_at=models.Max("accesses__at", filter=opened),
        )


class ClientLink(models.Model):
    """The client's way to a finalised letter, without an account.

    Only the SHA-256 of the token is kept (letters/links.py makes and checks
    tokens); the token itself is shown once, to the practitioner who made it.
    """

    letter = models.ForeignKey(TrajectLetter, on_delete=models.CASCADE, related_name="client_links")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    passcode_hash = models.CharField(max_length=128, blank=True, editable=False)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    locked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ClientLinkQuerySet.as_manager()

    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"
        LOCKED = "locked", "Locked"

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Client link {self.pk}"

    @property
    def audit_label(self):
        return f"Client link {self.pk} to Traject Letter {self.letter_id}"

    @property
    def case(self):
        return self.letter.case

    @property
    def has_passcode(self) -> bool:
        return bool(self.passcode_hash)

    def letter_to_show(self) -> TrajectLetter:
        """The newest finalised version of the letter whose PDF is ready, from this link's version on.

        A correction makes a new version; the old one stays readable to staff, but
        the client, who may only ever have been given this one link, reads the
        corrected letter as soon as its PDF is made (until then, the version the
        link was made for).
        """
        newer = (
            TrajectLetter.objects.filter(
                case_id=self.letter.case_id,
                status=TrajectLetter.Status.FINALISED,
                render_status=TrajectLetter.RenderStatus.READY,
                version__gt=self.letter.version,
            )
            .exclude(pdf="")
            .order_by("-version")
            .first()
        )
        return newer or self.letter

    def state(self, now=None) -> str:
        """Revoked before locked before expired: the practitioner's own act is named first."""
        now = now or timezone.now()
        if self.revoked_at:
            return self.State.REVOKED
        if self.locked_at:
            return self.State.LOCKED
        if self.expires_at <= now:
            return self.State.EXPIRED
        return self.State.ACTIVE

    def get_state_display(self) -> str:
        return self.State(self.state()).label

    @property
    def is_usable(self) -> bool:
        return self.state() == self.State.ACTIVE


class ClientLinkAccess(models.Model):
    """One opening of the letter or one download of its PDF by way of a client link."""

    class Kind(models.TextChoices):
        OPENED = "opened", "Opened"
        DOWNLOADED = "downloaded", "Downloaded the PDF"

    link = models.ForeignKey(ClientLink, on_delete=models.CASCADE, related_name="accesses")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["link", "kind", "-at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%d/%m/%Y %H:%M}"
