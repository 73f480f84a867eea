from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class AuditEventQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Administrators read everything; supervisors the events of their teams' cases."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.is_administrator:
            return self.all()
        if user.is_supervisor:
            return self.filter(Q(case__team__in=user.supervised_teams.values("pk")))
        return self.none()


class AuditEvent(models.Model):
    """Who did what to which record, when and from where.

    Written in the same transaction as the change it records. It holds names of
    fields and objects, never the text of notes or any secret, and it keeps the
    case reference and the actor's name as text so that it outlives both.
    """

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        CREATE = "create", "Created"
        UPDATE = "update", "Changed"
        DELETE = "delete", "Deleted"
        LOGIN = "login", "Logged in"
        LOGOUT = "logout", "Logged out"
        LOGIN_FAILED = "login_failed", "Failed login"
        TWO_FACTOR_ENROL = "2fa_enrol", "Set up two-factor"
        TWO_FACTOR_VERIFY = "2fa_verify", "Two-factor code accepted"
        TWO_FACTOR_FAILED = "2fa_failed", "Two-factor code refused"
        TWO_FACTOR_REMOVE = "2fa_remove", "Turned off two-factor"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
    )
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
    )
    case_reference = models.CharField(max_length=20, blank=True, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=200, blank=True)
    summary = models.CharField(max_length=255, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["case", "-at"])]

    def __str__(self):
        return f"{self.at:%d/%m/%Y %H:%M} {self.actor_name} {self.get_action_display()}"
