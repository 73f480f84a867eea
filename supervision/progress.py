"""A trainee's counts against their accreditation stage's targets, read from the record.

- A completed cycle is a shared review held after a film of the family: the
  review links such a film, or the case has one recorded on or before the day
  of the review. A film of the practitioner's own review does not make a cycle.
- Different clients: the clients of those completed cycles.
- Supervision sessions: those logged with the trainee as supervisee.

Each is counted from the trainee's `counting_from` date when it is set. The
counts come as annotations of one query, however many trainees are listed.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, DateField, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from clips.models import Film
from sessions.models import SharedReview

from .models import SupervisionSession, Trainee

_BEGINNING = date(1900, 1, 1)


def completed_cycles():
    """Shared reviews that close a cycle: held after a film of the family."""
    film_before = Film.objects.of_the_family().filter(
        case=OuterRef("case"), recorded_on__lte=OuterRef("session__held_on")
    )
    return SharedReview.objects.filter(Q(film__kind=Film.Kind.FAMILY) | Exists(film_before))


def count_of(queryset, group: str, expression) -> Coalesce:
    counted = queryset.order_by().values(group).annotate(n=expression).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def with_counts(trainees):
    """Trainee rows with `cycles_done`, `clients_done` and `sessions_done`, and their user and stage."""
    since = Coalesce(OuterRef("counting_from"), Value(_BEGINNING), output_field=DateField())
    reviews = completed_cycles().filter(case__practitioner=OuterRef("user"), session__held_on__gte=since)
    sessions = SupervisionSession.objects.filter(practitioner=OuterRef("user"), held_on__gte=since)
    return trainees.select_related("user", "stage").annotate(
        cycles_done=count_of(reviews, "case__practitioner", Count("pk")),
        clients_done=count_of(reviews, "case__practitioner", Count("case__client", distinct=True)),
        sessions_done=count_of(sessions, "practitioner", Count("pk")),
    )


def trainees_supervised_by(user):
    """The trainees a user may follow: a supervisor's teams' trainees; an administrator's, all."""
    trainees = Trainee.objects.all()
    if not user.is_administrator:
        trainees = trainees.filter(user__team__in=user.supervised_teams.values("pk"))
    return with_counts(trainees)


@dataclass(frozen=True)
class Target:
    label: str
    done: int
    required: int

    @property
    def to_go(self) -> int:
        return max(self.required - self.done, 0)

    @property
    def is_met(self) -> bool:
        return self.done >= self.required

    @property
    def shown(self) -> int:
        """The bar's value: full once met, never past its end."""
        return min(self.done, self.required)

    @property
    def summary(self) -> str:
        return f"{self.done} of {self.required}, " + ("done" if self.is_met else f"{self.to_go} to go")


def targets(trainee: Trainee) -> list[Target]:
    """The stage's three targets with the trainee's counts (from `with_counts`)."""
    stage = trainee.stage
    return [
        Target("Completed cycles", trainee.cycles_done, stage.required_cycles),
        Target("Different clients", trainee.clients_done, stage.required_clients),
        Target("Supervision sessions", trainee.sessions_done, stage.required_sessions),
    ]
