"""`python manage.py seed_scale`: a service-sized data set for measuring, not a demo.

20 teams, 200 practitioners, a supervisor per team (the first five supervise a
second team too), an administrator, and 20,000 cases spread over every stage
of the VIG cycle: sessions, Helping Questions, goals with their ratings,
films (rows only: no media files), clips, shared reviews, consents (a few
withdrawn), descriptions and closings. The caseload summaries are written at
the end of each batch from the real rules, so the data looks to the caseload
exactly as if it had been entered through the product.

Rows are written with bulk_create in batches, from a seeded random generator:
the same arguments on an empty database give the same data. Users get no
usable password (log in with `Client.force_login`, as bench/caseload.py does).
It refuses to run when DEBUG is off unless --force is given, and refuses to
add to a database that already has its teams.
"""

import random
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from cases.models import (
    Case,
    Child,
    Client,
    Consent,
    Goal,
    GoalRating,
    HelpingQuestion,
    RelationshipDescription,
    Team,
)
from cases.services import next_reference
from clips.models import Clip, Film
from sessions.models import ClosingEvent, Session, SharedReview
from sessions.summary import refresh_case_summaries

TEAM_NAME = "Scale team {:02d}"
UNUSABLE = make_password(None)  # no one logs in with a password; bench uses force_login
FIRST_NAMES = ["Amira", "Ben", "Chloe", "Dev", "Ella", "Femi", "Grace", "Hassan", "Isla", "Jack", "Kemi", "Leo"]
LAST_NAMES = ["Ahmed", "Brown", "Clarke", "Davies", "Evans", "Fraser", "Green", "Hughes", "Iqbal", "Jones"]
CHILD_NAMES = ["Sam", "Mia", "Noah", "Ava", "Zain", "Lily", "Oscar", "Ruby", "Theo", "Ivy", "Ali", "Esme"]
ACTIVITIES = ["Reading a book", "Building with Lego", "Baking", "Drawing", "Playing with cars", "Tea time"]


@dataclass
class Plan:
    """What happens on one case: how far through the cycle it got, and when."""

    status: str
    opened_on: date
    started: bool
    cycles: int  # shared reviews held
    # After the last review: "" nothing yet, "filmed" (not uploaded), "film" (ready, no clips),
    # "clips" (clips chosen, review due), "failed", "processing"
    current: str
    ending: bool
    closed_on: date | None
    last_gap: int  # days from the last event to today, for open cases


class Command(BaseCommand):
    help = "Create a large, deterministic data set for measuring the caseload (not a demo). DEBUG only unless --force."

    def add_arguments(self, parser):
        parser.add_argument("--teams", type=int, default=20)
        parser.add_argument("--practitioners", type=int, default=200)
        parser.add_argument("--cases", type=int, default=20_000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--batch", type=int, default=1000, help="Cases written per transaction.")
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")

    def handle(self, *args, teams, practitioners, cases, seed, batch, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_scale fills the database with made-up cases; it only runs with DEBUG on (or --force)."
            )
        if Team.objects.filter(name=TEAM_NAME.format(1)).exists():
            raise CommandError("The scale data is already there. Use a fresh database.")
        started_at = time.monotonic()
        self.rng = random.Random(seed)  # noqa: S311 - made-up data that must come out the same each run
        self.today = timezone.localdate()
        with transaction.atomic():
            team_rows, people = self.create_people(teams, practitioners)
        self.references = {}
        done = 0
        while done < cases:
            size = min(batch, cases - done)
            with transaction.atomic():
                ids = self.create_cases(size, people)
                refresh_case_summaries(Case.objects.filter(pk__in=ids))
            done += size
            self.stdout.write(f"  {done} cases", ending="\r")
            self.stdout.flush()
        self.stdout.write(
            self.style.SUCCESS(
                f"Scale data: {len(team_rows)} teams, {len(people)} practitioners, {cases} cases "
                f"in {time.monotonic() - started_at:.0f} s."
            )
        )

    # People ---------------------------------------------------------------

    def create_people(self, team_count: int, practitioner_count: int):
        User = get_user_model()
        teams = Team.objects.bulk_create([Team(name=TEAM_NAME.format(n + 1)) for n in range(team_count)])
        users = []
        for n in range(practitioner_count):
            users.append(
                User(
                    username=f"scale-practitioner-{n + 1:03d}",
                    first_name=FIRST_NAMES[n % len(FIRST_NAMES)],
                    last_name=f"{LAST_NAMES[n % len(LAST_NAMES)]} {n + 1}",
                    team=teams[n % team_count],
                    password=UNUSABLE,
                )
            )
        for n in range(team_count):
            users.append(
                User(
                    username=f"scale-supervisor-{n + 1:02d}",
                    first_name="Supervisor",
                    last_name=str(n + 1),
                    role=User.Role.SUPERVISOR,
                    password=UNUSABLE,
                )
            )
        users.append(
            User(
                username="scale-admin",
                role=User.Role.ADMINISTRATOR,
                is_superuser=True,
                is_staff=True,
                password=UNUSABLE,
            )
        )
        users = User.objects.bulk_create(users)
        supervisors = users[practitioner_count : practitioner_count + team_count]
        through = Team.supervisors.through
        links = [through(team_id=teams[n].pk, user_id=supervisors[n].pk) for n in range(team_count)]
        links += [
            through(team_id=teams[(n + 1) % team_count].pk, user_id=supervisors[n].pk)
            for n in range(min(5, team_count - 1))
        ]
        through.objects.bulk_create(links)
        return teams, users[:practitioner_count]

    # Cases ----------------------------------------------------------------

    def plan(self) -> Plan:
        rng = self.rng
        roll = rng.random()
        if roll < 0.25:
            status, cycles, ending = Case.Status.CLOSED, rng.choice([1, 2, 3, 3, 3, 4]), True
        elif roll < 0.30:
            status, cycles, ending = Case.Status.REFERRED, 0, False
        else:
            status, cycles, ending = Case.Status.ACTIVE, rng.choice([0, 0, 1, 1, 2, 2, 3]), rng.random() < 0.08
        current = (
            ""
            if ending or status == Case.Status.REFERRED
            else rng.choice(["", "", "filmed", "film", "clips", "clips", "failed", "processing"])
        )
        span = 7 + 28 * cycles + (14 if current else 0) + (14 if ending else 0)
        if status == Case.Status.CLOSED:
            gap = rng.randint(0, 500)
            opened = self.today - timedelta(days=span + gap + 7)
            closed_on = opened + timedelta(days=span + 7)
            return Plan(status, opened, True, cycles, "", True, closed_on, gap)
        gap = rng.choice([0, 1, 2, 3, 5, 8, 10, 13, 16, 20, 25, 30, 40, 60])
        opened = self.today - timedelta(days=span + gap)
        return Plan(status, opened, status != Case.Status.REFERRED, cycles, current, ending, None, gap)

    def reference(self, year: int) -> str:
        number = self.references.get(year)
        if number is None:
            number = int(next_reference(year).rsplit("-", 1)[1])
        self.references[year] = number + 1
        return f"VIG-{year}-{number:04d}"

    def create_cases(self, count: int, practitioners) -> list[int]:
        rng = self.rng
        plans = [self.plan() for _ in range(count)]
        clients = Client.objects.bulk_create(
            [
                Client(
                    full_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                    relationship_to_child=rng.choice(["mother", "father", "carer", "grandmother"]),
                )
                for _ in plans
            ]
        )
        children = Child.objects.bulk_create(
            [Child(name=rng.choice(CHILD_NAMES), age_at_referral=rng.randint(1, 11)) for _ in plans]
        )
        cases = []
        for plan, client, child in zip(plans, clients, children, strict=True):
            practitioner = rng.choice(practitioners)
            cases.append(
                Case(
                    reference=self.reference(plan.opened_on.year),
                    client=client,
                    child=child,
                    practitioner=practitioner,
                    team_id=practitioner.team_id,
                    status=plan.status,
                    opened_on=plan.opened_on,
                    closed_on=plan.closed_on,
                )
            )
        cases = Case.objects.bulk_create(cases)
        rows = _Rows()
        for plan, case in zip(plans, cases, strict=True):
            self.fill(case, plan, rows)
        rows.write()
        return [case.pk for case in cases]

    def fill(self, case: Case, plan: Plan, rows: "_Rows") -> None:
        rng = self.rng
        if not plan.started:
            return
        on = plan.opened_on + timedelta(days=7)
        rows.session(case, Session.Kind.INITIAL, on)
        rows.questions.append(HelpingQuestion(case=case, text="How can I help my child talk to me?", agreed_on=on))
        rows.consents.append(Consent(case=case, purpose=Consent.Purpose.FILMING, given_by="Client", given_on=on))
        withdrawn = on + timedelta(days=20) if rng.random() < 0.03 else None
        rows.consents.append(
            Consent(
                case=case, purpose=Consent.Purpose.SUPERVISION, given_by="Client", given_on=on, withdrawn_on=withdrawn
            )
        )
        for subject in RelationshipDescription.Subject.values:
            rows.descriptions.append(
                RelationshipDescription(case=case, moment="before", subject=subject, text="In the client's words")
            )
        goals = [Goal(case=case, description=f"Goal {n}", position=n) for n in (1, 2)]
        rows.goals.append((goals, on, plan))
        for number in range(1, plan.cycles + 1):
            filmed = on + timedelta(days=7)
            rows.cycle(case, number, filmed, filmed + timedelta(days=7), rng)
            on = filmed + timedelta(days=7 + 14)
        if plan.current:
            filmed = self.today - timedelta(days=plan.last_gap) if not plan.ending else on
            filmed = max(filmed, on)
            rows.current(case, plan.current, min(filmed, self.today), rng)
        if plan.ending:
            rows.session(case, Session.Kind.ENDING, min(on + timedelta(days=7), plan.closed_on or self.today))
            if plan.closed_on:
                for subject in RelationshipDescription.Subject.values:
                    rows.descriptions.append(
                        RelationshipDescription(case=case, moment="after", subject=subject, text="In their words")
                    )
                rows.closings.append(
                    ClosingEvent(
                        case=case,
                        kind=ClosingEvent.Kind.CLOSED,
                        on=plan.closed_on,
                        reason=ClosingEvent.Reason.COMPLETED,
                        at=timezone.make_aware(datetime.combine(plan.closed_on, datetime.min.time())),
                    )
                )
        elif not plan.current and plan.last_gap:
            # Some ordinary contact, so the last contact spreads over the weeks.
            rows.session(case, Session.Kind.OTHER, max(on, self.today - timedelta(days=plan.last_gap)))


class _Rows:
    """Rows of one batch of cases, written model by model so each bulk_create can use the pks of the one before."""

    def __init__(self):
        self.sessions: list[Session] = []
        self.questions: list[HelpingQuestion] = []
        self.consents: list[Consent] = []
        self.descriptions: list[RelationshipDescription] = []
        self.closings: list[ClosingEvent] = []
        self.goals: list[tuple[list[Goal], date, Plan]] = []
        self.films: list[tuple[Film, int, Session | None]] = []  # film, clips to choose, its filming session
        self.reviews: list[tuple[Session, SharedReview, Film]] = []

    def session(self, case, kind, on, film=None) -> Session:
        session = Session(case=case, kind=kind, held_on=on, place=Session.Place.HOME, duration_minutes=45)
        self.sessions.append(session)
        return session

    def film(self, case, on, status, clips, rng) -> Film:
        film = Film(
            case=case,
            recorded_on=on,
            activity=rng.choice(ACTIVITIES),
            status=status,
            step=Film.Step.DONE if status == Film.Status.READY else Film.Step.TRANSCODING,
            duration=600.0,
            frame_rate=25.0,
        )
        self.films.append((film, clips, self.session(case, Session.Kind.FILMING, on)))
        return film

    def cycle(self, case, number, filmed, reviewed, rng) -> None:
        film = self.film(case, filmed, Film.Status.READY, rng.randint(3, 5), rng)
        review = SharedReview(case=case, number=number, film=film)
        self.reviews.append((self.session(case, Session.Kind.SHARED_REVIEW, reviewed), review, film))

    def current(self, case, state, on, rng) -> None:
        if state == "filmed":
            self.session(case, Session.Kind.FILMING, on)
        elif state == "film":
            self.film(case, on, Film.Status.READY, 0, rng)
        elif state == "clips":
            self.film(case, on, Film.Status.READY, rng.randint(3, 5), rng)
        elif state == "failed":
            self.film(case, on, Film.Status.FAILED, 0, rng)
        elif state == "processing":
            self.film(case, on, Film.Status.PROCESSING, 0, rng)

    def write(self) -> None:
        Film.objects.bulk_create([film for film, _, _ in self.films])
        for film, _, session in self.films:
            session.film = film
        Session.objects.bulk_create(self.sessions)
        for session, review, film in self.reviews:
            review.session = session
            review.film = film
        SharedReview.objects.bulk_create([review for _, review, _ in self.reviews])
        Clip.objects.bulk_create(
            [
                Clip(
                    film=film,
                    position=n,
                    start_frame=250 * n,
                    end_frame=250 * n + 200,
                    caption="A moment of attunement",
                    status=Clip.Status.READY,
                )
                for film, clips, _ in self.films
                for n in range(1, clips + 1)
            ]
        )
        HelpingQuestion.objects.bulk_create(self.questions)
        Consent.objects.bulk_create(self.consents)
        RelationshipDescription.objects.bulk_create(self.descriptions)
        ClosingEvent.objects.bulk_create(self.closings)
        Goal.objects.bulk_create([goal for goals, _, _ in self.goals for goal in goals])
        ratings = []
        for goals, on, plan in self.goals:
            for goal in goals:
                ratings.append(GoalRating(goal=goal, phase=GoalRating.Phase.BASELINE, score=3, rated_on=on))
                ratings.append(GoalRating(goal=goal, phase=GoalRating.Phase.HOPED_FOR, score=8, rated_on=on))
                for number in range(1, plan.cycles + 1):
                    ratings.append(
                        GoalRating(
                            goal=goal,
                            phase=GoalRating.Phase.REVIEW,
                            review_number=number,
                            score=min(10, 3 + number),
                            rated_on=on + timedelta(days=28 * number),
                        )
                    )
                if plan.closed_on:
                    ratings.append(GoalRating(goal=goal, phase=GoalRating.Phase.END, score=7, rated_on=plan.closed_on))
        GoalRating.objects.bulk_create(ratings)
