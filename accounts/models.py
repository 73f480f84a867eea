from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q


class VigUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # `createsuperuser` must produce a working administrator, not a
        # practitioner with a superuser flag the role constraint rejects.
        extra_fields.setdefault("role", User.Role.ADMINISTRATOR)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A member of staff. Clients never have accounts.

    The role decides what a user may do; what they may *see* is decided by
    `Case.objects.visible_to(user)`. An administrator is exactly a Django
    superuser (a database constraint keeps the two in step), so the Django
    admin and the app agree on who runs the service.
    """

    class Role(models.TextChoices):
        PRACTITIONER = "practitioner", "Practitioner"
        SUPERVISOR = "supervisor", "Supervisor"
        ADMINISTRATOR = "administrator", "Administrator"

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PRACTITIONER)
    team = models.ForeignKey(
        "cases.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        help_text="The team a practitioner works in. New cases belong to this team.",
    )

    session_generation = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Raised to end every session of the user: a session carries the number it began with.",
    )

    objects = VigUserManager()

    class Meta:
        ordering = ["first_name", "last_name", "username"]
        constraints = [
            models.CheckConstraint(
                name="administrator_is_superuser",
                condition=(
                    Q(role="administrator", is_superuser=True, is_staff=True)
                    | (~Q(role="administrator") & Q(is_superuser=False, is_staff=False))
                ),
            )
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_administrator(self) -> bool:
        return self.role == self.Role.ADMINISTRATOR

    @property
    def is_supervisor(self) -> bool:
        return self.role == self.Role.SUPERVISOR

    @property
    def is_practitioner(self) -> bool:
        return self.role == self.Role.PRACTITIONER

    def set_role(self, role: str) -> None:
        """Change the role and the Django flags that must follow it."""
        self.role = role
        self.is_superuser = self.is_staff = role == self.Role.ADMINISTRATOR
