"""`python manage.py seed_demo`: a realistic demo for a newcomer's machine.

Two teams, a user for each role (all with one known password) and cases at
every stage of the VIG cycle: referred, just started, mid-way through the
cycles, and closed with end ratings. Each case has its sessions (initial
meeting, filming, shared reviews with what was said, ending), so the caseload
shows varied next steps; generated films are linked to their filming session
and review, processed by the real pipeline, with tagged clips and stills cut
from them. The closed case has a finalised Traject Letter with its PDF made by
the real renderer; a case mid-way has a draft letter. With --no-films there are
no films, clips or stills, and the letters leave the stills out.

It refuses to run unless DEBUG is on, because the accounts it makes share a
published password. Running it again changes nothing: when the demo users are
already there it only prints how to log in.
"""

import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from cases import services
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
from clips import clip_pipeline, pipeline
from clips.demo import make_demo_film
from clips.models import Clip, ClipTag, Film, PrincipleElement, Still
from letters import rendering as letter_rendering
from letters import services as letter_services
from letters.models import TrajectLetter
from sessions.models import ClosingEvent, Session, SharedReview
from supervision.demo import add_demo_supervision

DEMO_PASSWORD = "vig-demo-2026"  # noqa: S105 - demo only; the command refuses to run without DEBUG
LOGIN_URL = "http://127.0.0.1:8000/"

NORTH = "North Educational Psychology Team"
SOUTH = "South Early Help Team"


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    team: str | None = None
    supervises: str | None = None


# Roles as strings so this table can be read without the model loaded; they
# are the values of User.Role.
DEMO_USERS = [
    DemoUser("admin", "Helen", "Morris", "administrator"),
    DemoUser("supervisor", "Ruth", "Campbell", "supervisor", team=NORTH, supervises=NORTH),
    DemoUser("supervisor.south", "Mark", "Jenkins", "supervisor", team=SOUTH, supervises=SOUTH),
    DemoUser("practitioner", "Priya", "Shah", "practitioner", team=NORTH),
    DemoUser("practitioner2", "Hannah", "Clarke", "practitioner", team=NORTH),
    DemoUser("practitioner3", "Ben", "Carter", "practitioner", team=SOUTH),
]


@dataclass
class DemoGoal:
    description: str
    baseline: int
    hoped_for: int
    reviews: list[int] = field(default_factory=list)
    end: int | None = None


@dataclass(frozen=True)
class DemoClip:
    """A tagged moment of a case's first film, in frames, and the still taken from it for the letter."""

    start: int
    end: int
    caption: str
    element: str
    still_frame: int
    still_caption: str


@dataclass(frozen=True)
class DemoLetter:
    account_of_progress: str
    ideas_for_future: str
    finalised: bool


@dataclass
class DemoCase:
    """One case, with every date given as a number of days before today."""

    practitioner: str
    client_name: str
    relationship: str
    child_name: str
    child_age: int
    school: str
    setting: str
    opened: int
    # Helping Questions in the order they were agreed: (days ago, text).
    questions: list[tuple[int, str]] = field(default_factory=list)
    goals: list[DemoGoal] = field(default_factory=list)
    # Days ago of review 1, 2, ...: one per review score in the goals.
    reviews_on: list[int] = field(default_factory=list)
    # Days ago of each filming session, in order; a generated film is linked to the one on its day.
    filmed: list[int] = field(default_factory=list)
    before: dict[str, str] = field(default_factory=dict)
    after: dict[str, str] = field(default_factory=dict)
    closed: int | None = None
    # (purpose, given days ago, withdrawn days ago or None)
    consents: list[tuple[str, int, int | None]] = field(default_factory=list)
    given_by: str = ""
    use_date_of_birth: bool = True
    # Films recorded so far: (days ago, activity). Generated, then processed for real;
    # film N is the one looked at in review N.
    films: list[tuple[int, str]] = field(default_factory=list)
    # Moments of the first film, cut as clips with one still each (only with films).
    clips: list[DemoClip] = field(default_factory=list)
    letter: DemoLetter | None = None


# What was said at review 1, 2, 3 of any demo case.
REVIEW_WORDS = [
    {
        "client_noticed": "I didn't realise how much I wait for them now. When I waited, they came back to me.",
        "practitioner_observations": "Lovely pauses; the client follows the child's lead and names what they see.",
        "ideas_shared": "Keep giving time before helping. Say out loud what the child is doing.",
        "next_film_situation": "Tea time at home, ten minutes.",
        "next_film_focus": "Moments when you wait and the child starts talking.",
    },
    {
        "client_noticed": "We took turns, and I laughed at the same time as them. I liked seeing that.",
        "practitioner_observations": "Much more turn-taking than in the first film; warm tone of voice throughout.",
        "ideas_shared": "Use their words back to them. Notice when they look up at you.",
        "next_film_situation": "Homework or reading together after school.",
        "next_film_focus": "Building on what they start, rather than starting for them.",
    },
]


H, S, E = Case.Setting.HOME, Case.Setting.SCHOOL, Case.Setting.EARLY_YEARS
P = Consent.Purpose

DEMO_CASES = [
    # Referred: only the client and the child so far.
    DemoCase(
        practitioner="practitioner",
        client_name="Lauren Hughes",
        relationship="mother",
        child_name="Sam",
        child_age=7,
        school="Riverside Primary",
        setting=H,
        opened=6,
    ),
    # Active, just started: the initial meeting is done.
    DemoCase(
        practitioner="practitioner",
        client_name="Daniel Okafor",
        relationship="father",
        child_name="Amara",
        child_age=4,
        school="Little Acorns Nursery",
        setting=E,
        opened=24,
        questions=[(12, "How can I help Amara to settle when I drop her off at nursery?")],
        goals=[
            DemoGoal("Say goodbye at the nursery door without tears (for both of us)", 2, 7),
            DemoGoal("Enjoy our walk to nursery together", 4, 8),
        ],
        before={
            "child": "Amara is clever and chatty at home but clings to me at nursery. She notices everything.",
            "relationship": "Mornings are a rush and we both end up upset. At weekends we are fine.",
        },
        consents=[(P.FILMING, 12, None), (P.SUPERVISION, 12, None)],
    ),
    # Active, mid-way: two reviews done and a revised Helping Question.
    DemoCase(
        practitioner="practitioner",
        client_name="Karen Lewis",
        relationship="grandmother",
        child_name="Jayden",
        child_age=9,
        school="St Mark's C of E Primary",
        setting=H,
        opened=120,
        questions=[
            (105, "How can I get Jayden to do his homework without a battle?"),
            (50, "How can I help Jayden to tell me when school has been hard, so we can sit down together?"),
        ],
        goals=[
            DemoGoal("Sit down together after school for ten calm minutes", 2, 8, reviews=[4, 6]),
            DemoGoal("Jayden tells me about his day", 3, 7, reviews=[3, 5]),
            DemoGoal("Fewer shouting matches at tea time", 2, 8, reviews=[3, 4]),
        ],
        reviews_on=[70, 28],
        filmed=[80, 35],
        films=[(80, "Baking biscuits together"), (35, "Playing a board game after school")],
        clips=[
            DemoClip(
                50,
                150,
                "You wait while Jayden chooses a cutter",
                "encouraging_initiatives.waiting",
                120,
                "Jayden picks the star cutter while you wait",
            ),
            DemoClip(
                200,
                290,
                "Jayden shows you his biscuit and you smile back",
                "receiving_initiatives.returning_eye_contact",
                250,
                "Jayden looks up to see if you noticed",
            ),
            DemoClip(
                340,
                450,
                "You take turns pressing the shapes",
                "developing_attuned_interactions.short_turns",
                400,
                "Your turn, then his",
            ),
        ],
        letter=DemoLetter(
            account_of_progress=(
                "In our first film you waited while Jayden chose what to do, and he started talking to you.\n\n"
                "(Draft: to finish after the next review.)"
            ),
            ideas_for_future="",
            finalised=False,
        ),
        before={
            "child": "Jayden is loving but has a temper. He goes quiet when school has gone badly.",
            "relationship": "We argue a lot at tea time. I feel like I'm always telling him off.",
        },
        consents=[
            (P.FILMING, 105, None),
            (P.SUPERVISION, 105, None),
            (P.INTERVISION, 105, None),
            (P.TRAINING, 105, None),
        ],
    ),
    # Active, mid-way, and the client has withdrawn consent for supervision.
    DemoCase(
        practitioner="practitioner",
        client_name="Sarah Thompson",
        relationship="mother",
        child_name="Mia",
        child_age=3,
        school="Sunflowers Children's Centre",
        setting=H,
        opened=75,
        questions=[(62, "How can I help Mia and me to enjoy playing together?")],
        goals=[
            DemoGoal("Enjoy reading together at bedtime", 3, 8, reviews=[5]),
            DemoGoal("Feel confident joining in Mia's games", 2, 7, reviews=[4]),
        ],
        reviews_on=[21],
        filmed=[30],
        before={
            "child": "Mia is a busy little girl who never stops. She loves the park and the swings.",
            "relationship": "I love her to bits but I don't really know how to play with her.",
        },
        consents=[(P.FILMING, 62, None), (P.SUPERVISION, 62, 10), (P.LETTER_LINK, 62, None)],
        use_date_of_birth=False,
    ),
    # Closed: the full cycle, end ratings and the client's words at the end.
    DemoCase(
        practitioner="practitioner",
        client_name="Michelle Baker",
        relationship="foster carer",
        child_name="Tyler",
        child_age=11,
        school="Oakfield Primary",
        setting=H,
        opened=230,
        questions=[(215, "How can I help Tyler to feel safe enough to let me help him?")],
        goals=[
            DemoGoal("Tyler asks me for help when he is stuck", 1, 7, reviews=[3, 5], end=7),
            DemoGoal("Bedtimes are calm", 3, 8, reviews=[4, 6], end=8),
            DemoGoal("We laugh together every day", 4, 9, reviews=[6, 7], end=8),
        ],
        reviews_on=[170, 115],
        filmed=[185, 130],
        before={
            "child": "Tyler is guarded and independent; he says he's fine when he isn't. Very good at football.",
            "relationship": "We get on, but he keeps me at arm's length. I'm never sure what he's feeling.",
        },
        after={
            "child": "Tyler is funny and kind. He still likes to do things himself but he lets me in now.",
            "relationship": "He comes and finds me when something has gone wrong. We have our own jokes.",
        },
        closed=40,
        films=[(185, "Kicking a ball about in the garden")],
        clips=[
            DemoClip(
                40,
                140,
                "Tyler passes the ball back and you wait for him",
                "encouraging_initiatives.waiting",
                90,
                "You wait; Tyler decides where the ball goes",
            ),
            DemoClip(
                180,
                280,
                "Tyler laughs when the ball goes over the fence, and so do you",
                "developing_attuned_interactions.having_fun",
                230,
                "Laughing together",
            ),
            DemoClip(
                320,
                430,
                "Tyler asks you to hold the goal still",
                "developing_attuned_interactions.co_operating",
                380,
                "Tyler asks for your help",
            ),
        ],
        letter=DemoLetter(
            account_of_progress=(
                "When we started, you told me Tyler kept you at arm's length and you were never sure what he "
                "was feeling. In the films we saw him come back to you again and again: passing you the ball, "
                "laughing with you, asking you to help.\n\n"
                "You noticed that when you waited, Tyler chose to include you. Now he comes to find you when "
                "something has gone wrong, and you have your own jokes."
            ),
            ideas_for_future=(
                "Keep making time for the garden and for football. Carry on waiting for Tyler to start, and "
                "notice out loud when he asks for help."
            ),
            finalised=True,
        ),
        consents=[
            (P.FILMING, 215, None),
            (P.SUPERVISION, 215, None),
            (P.INTERVISION, 215, None),
            (P.TRAINING, 215, None),
            (P.LETTER_LINK, 60, None),
        ],
        given_by="Michelle Baker (foster carer) and Tyler's social worker for the local authority",
    ),
    # A colleague in the North team, mid-way, without consent for training events.
    DemoCase(
        practitioner="practitioner2",
        client_name="Emma Davies",
        relationship="mother",
        child_name="Leo",
        child_age=6,
        school="Riverside Primary",
        setting=S,
        opened=90,
        questions=[(80, "How can I help Leo to stay with a game when it gets tricky?")],
        goals=[
            DemoGoal("Finish a board game together without Leo storming off", 2, 7, reviews=[4]),
            DemoGoal("Praise Leo for trying, not only for winning", 5, 9, reviews=[7]),
        ],
        reviews_on=[42],
        filmed=[52],
        before={
            "child": "Leo is shy with new people but funny at home. He hates losing.",
            "relationship": "We're close, but I give in too quickly when he gets upset.",
        },
        consents=[
            (P.FILMING, 80, None),
            (P.SUPERVISION, 80, None),
            (P.INTERVISION, 80, None),
            (P.LETTER_LINK, 80, None),
        ],
    ),
    # The South team: one just started, one referred.
    DemoCase(
        practitioner="practitioner3",
        client_name="Gemma Roberts",
        relationship="mother",
        child_name="Ruby",
        child_age=5,
        school="Meadow Lane Infants",
        setting=H,
        opened=30,
        questions=[(18, "How can I help Ruby to talk to me about her day?")],
        filmed=[6],
        goals=[
            DemoGoal("Ruby tells me one thing about school each day", 2, 7),
            DemoGoal("Bath time is fun again", 3, 8),
        ],
        before={
            "child": "Ruby is a chatterbox with her friends but says 'nothing' when I ask about school.",
            "relationship": "Since the baby came we don't get much time, just the two of us.",
        },
        consents=[(P.FILMING, 18, None), (P.SUPERVISION, 18, None), (P.INTERVISION, 18, None)],
    ),
    DemoCase(
        practitioner="practitioner3",
        client_name="Paul Evans",
        relationship="father",
        child_name="Alfie",
        child_age=10,
        school="Hillside Primary",
        setting=H,
        opened=3,
        use_date_of_birth=False,
    ),
]


class Command(BaseCommand):
    help = "Create demo teams, users (one known password) and cases at every stage. Only runs with DEBUG on."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-films", action="store_true", help="Skip generating and processing the demo films (quicker)."
        )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo makes demo accounts with a known password; it only runs with DJANGO_DEBUG on."
            )
        User = get_user_model()
        usernames = [demo.username for demo in DEMO_USERS]
        existing = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
        if existing == set(usernames):
            self.stdout.write("The demo data is already there: nothing was added.")
            self.print_logins()
            return
        if existing:
            raise CommandError(
                "Some demo user names are already taken ("
                + ", ".join(sorted(existing))
                + ") but the demo data is not complete. Remove those users, or run seed_demo on a fresh database."
            )

        with transaction.atomic():
            users = self.create_users()
            # Oldest first, so references run in the order the cases opened.
            cases = [(spec, self.create_case(spec, users)) for spec in sorted(DEMO_CASES, key=lambda s: -s.opened)]
            add_demo_supervision(users, [case for _, case in cases])

        # After the commit: processing runs the real pipeline, which writes as it goes.
        if not options["no_films"]:
            for spec, case in cases:
                self.add_films(spec, case)
        for spec, case in cases:
            if spec.letter is not None:
                self.add_letter(spec.letter, case)

        self.stdout.write(self.style.SUCCESS(f"Demo data created: {len(users)} users, {len(DEMO_CASES)} cases."))
        self.print_logins()

    def create_users(self) -> dict:
        User = get_user_model()
        teams = {name: Team.objects.get_or_create(name=name)[0] for name in (NORTH, SOUTH)}
        users = {}
        for demo in DEMO_USERS:
            user = User(
                username=demo.username,
                first_name=demo.first_name,
                last_name=demo.last_name,
                email=f"{demo.first_name}.{demo.last_name}@example.org".lower(),
                team=teams[demo.team] if demo.team else None,
            )
            user.set_role(User.Role(demo.role))
            user.set_password(DEMO_PASSWORD)
            user.save()
            if demo.supervises:
                teams[demo.supervises].supervisors.add(user)
            users[demo.username] = user
        return users

    def create_case(self, spec: DemoCase, users: dict) -> Case:
        today = timezone.localdate()

        def ago(days: int) -> date:
            return today - timedelta(days=days)

        practitioner = users[spec.practitioner]
        child = Child(name=spec.child_name, school_or_setting=spec.school)
        if spec.use_date_of_birth:
            # Born a few months past the birthday that gives the age at referral.
            child.date_of_birth = ago(spec.opened) - timedelta(days=round(spec.child_age * 365.25) + 75)
        else:
            child.age_at_referral = spec.child_age
        client = Client(full_name=spec.client_name, relationship_to_child=spec.relationship)

        if spec.closed is not None:
            status = Case.Status.CLOSED
        elif spec.questions:
            status = Case.Status.ACTIVE
        else:
            status = Case.Status.REFERRED
        case = services.create_case(
            client=client,
            child=child,
            practitioner=practitioner,
            team=practitioner.team,
            status=status,
            setting=spec.setting,
            opened_on=ago(spec.opened),
            closed_on=ago(spec.closed) if spec.closed is not None else None,
        )

        for days, text in spec.questions:
            HelpingQuestion.objects.create(case=case, text=text, agreed_on=ago(days), recorded_by=practitioner)

        start = ago(spec.questions[0][0]) if spec.questions else case.opened_on
        for position, demo_goal in enumerate(spec.goals, start=1):
            goal = Goal.objects.create(case=case, description=demo_goal.description, position=position)

            def rate(phase, score, on, review_number=None, goal=goal):
                GoalRating.objects.create(
                    goal=goal,
                    phase=phase,
                    review_number=review_number,
                    score=score,
                    rated_on=on,
                    recorded_by=practitioner,
                )

            rate(GoalRating.Phase.BASELINE, demo_goal.baseline, start)
            rate(GoalRating.Phase.HOPED_FOR, demo_goal.hoped_for, start)
            for number, (score, days) in enumerate(zip(demo_goal.reviews, spec.reviews_on, strict=True), start=1):
                rate(GoalRating.Phase.REVIEW, score, ago(days), review_number=number)
            if demo_goal.end is not None:
                rate(GoalRating.Phase.END, demo_goal.end, case.closed_on)

        for moment, texts, on in (
            (RelationshipDescription.Moment.BEFORE, spec.before, start),
            (RelationshipDescription.Moment.AFTER, spec.after, case.closed_on),
        ):
            for subject, text in texts.items():
                RelationshipDescription.objects.create(
                    case=case, moment=moment, subject=subject, text=text, recorded_on=on
                )

        for purpose, given, withdrawn in spec.consents:
            Consent.objects.create(
                case=case,
                purpose=purpose,
                given_by=spec.given_by or f"{spec.client_name} ({spec.relationship})",
                given_on=ago(given),
                withdrawn_on=ago(withdrawn) if withdrawn is not None else None,
                recorded_by=practitioner,
            )
        self.add_sessions(spec, case, ago)
        return case

    def add_sessions(self, spec: DemoCase, case: Case, ago) -> None:
        """Every contact: initial meeting, calls, filming, reviews (their ratings are linked by number), ending."""
        practitioner = case.practitioner
        attendees = f"{spec.client_name} ({spec.relationship}), {spec.child_name}"

        def meet(kind, days, *, minutes, place=Session.Place.HOME, notes=""):
            return Session.objects.create(
                case=case,
                kind=kind,
                held_on=ago(days),
                duration_minutes=minutes,
                place=place,
                attendees=attendees,
                notes=notes,
                recorded_by=practitioner,
            )

        if spec.questions:
            meet(
                Session.Kind.INITIAL,
                spec.questions[0][0],
                minutes=60,
                notes="Agreed how we will work together, the Helping Question and the goals.",
            )
        for days, _text in spec.questions[1:]:
            meet(
                Session.Kind.OTHER,
                days,
                minutes=15,
                place=Session.Place.PHONE,
                notes="Talked through rewording the Helping Question.",
            )
        for days in spec.filmed:
            meet(Session.Kind.FILMING, days, minutes=20)
        for number, days in enumerate(spec.reviews_on, start=1):
            last = number == len(spec.reviews_on)
            SharedReview.objects.create(
                session=meet(Session.Kind.SHARED_REVIEW, days, minutes=45),
                case=case,
                number=number,
                # The review ratings made above carry this number: they are this review's.
                plan=SharedReview.Plan.ENDING if last and spec.closed is not None else "",
                **REVIEW_WORDS[(number - 1) % len(REVIEW_WORDS)],
            )
        if spec.closed is not None:
            meet(Session.Kind.ENDING, spec.closed, minutes=60, notes="Final ratings and the client's words now.")
            ClosingEvent.objects.create(
                case=case,
                kind=ClosingEvent.Kind.CLOSED,
                on=case.closed_on,
                reason=ClosingEvent.Reason.COMPLETED,
                by=practitioner,
            )

    def add_films(self, spec: DemoCase, case: Case) -> None:
        today = timezone.localdate()
        for number, (days_ago, activity) in enumerate(spec.films, start=1):
            film = Film.objects.create(
                case=case,
                uploaded_by=case.practitioner,
                recorded_on=today - timedelta(days=days_ago),
                setting=Film.Setting.HOME,
                activity=activity,
                original_name="demo.mp4",
            )
            with tempfile.TemporaryDirectory() as folder:
                source = make_demo_film(Path(folder) / "demo.mp4")
                with source.open("rb") as fh:
                    film.original.save(film.storage_name("original", "mov"), File(fh), save=True)
            # The filming session it was made at, and the review that looked at it.
            case.sessions.filter(kind=Session.Kind.FILMING, held_on=film.recorded_on, film=None).update(film=film)
            case.shared_reviews.filter(number=number).update(film=film)
            pipeline.process_film(film.pk)
            film.refresh_from_db()
            self.stdout.write(f"Demo film for {case.reference}: {film.get_status_display().lower()}.")
            if number == 1 and film.is_ready and spec.clips:
                self.add_clips(spec.clips, film, case)

    def add_clips(self, moments: list[DemoClip], film: Film, case: Case) -> None:
        """Tagged moments of the first film, cut by the real clip pipeline, ready for the shared review,
        each with a still made by the real still pipeline, ready for the letter."""
        for position, moment in enumerate(moments, start=1):
            element = PrincipleElement.objects.select_related("principle").get(code=moment.element)
            clip = Clip.objects.create(
                film=film,
                start_frame=moment.start,
                end_frame=moment.end,
                caption=moment.caption,
                helping_question=case.helping_questions.first(),
                position=position,
                created_by=case.practitioner,
            )
            ClipTag.objects.create(clip=clip, principle=element.principle, element=element)
            clip_pipeline.process_clip(clip.pk)
            clip.refresh_from_db()
            if clip.status == Clip.Status.READY:
                still = Still.objects.create(
                    clip=clip, frame=moment.still_frame, caption=moment.still_caption, created_by=case.practitioner
                )
                clip_pipeline.process_still(still.pk)
        ready = film.clips.filter(status=Clip.Status.READY).count()
        stills = Still.objects.filter(clip__film=film, status=Still.Status.READY).count()
        self.stdout.write(
            f"Demo clips for {case.reference}: {ready} of {len(moments)} ready, with {stills} stills for the letter."
        )

    def add_letter(self, spec: DemoLetter, case: Case) -> None:
        """A Traject Letter written through the letters services; a finalised one is rendered to PDF here,
        by the same function the worker runs (its queued render then finds nothing left to do)."""
        with transaction.atomic():
            letter = letter_services.start_draft(case, case.practitioner)
            letter.account_of_progress = spec.account_of_progress
            letter.ideas_for_future = spec.ideas_for_future
            stills = list(letter_services.ready_stills(case))
            if not stills:
                letter.left_out = ["stills"]
            letter.save()
            letter.stills.set(stills)
            if spec.finalised:
                letter_services.finalise(letter, case.practitioner)
                if case.closed_on:
                    # Dated the day of the ending, as it would have been.
                    ending = timezone.make_aware(datetime.combine(case.closed_on, time(15, 0)))
                    TrajectLetter.objects.filter(pk=letter.pk).update(finalised_at=ending)
        if spec.finalised:
            letter_rendering.render_letter_pdf(letter.pk)
        letter.refresh_from_db()
        state = letter.get_status_display().lower()
        if spec.finalised:
            state += f", PDF {letter.get_render_status_display().lower()}"
        self.stdout.write(
            f"Demo Traject Letter for {case.reference}: version {letter.version}, {state}, "
            f"{len(stills)} still{'' if len(stills) == 1 else 's'}."
        )

    def print_logins(self):
        User = get_user_model()
        users = {user.username: user for user in User.objects.filter(username__in=[d.username for d in DEMO_USERS])}
        self.stdout.write("")
        self.stdout.write(f"Log in at {LOGIN_URL} (bin/run prints the address it serves on).")
        self.stdout.write(f"Every demo account has the password: {DEMO_PASSWORD}")
        self.stdout.write("")
        for demo in DEMO_USERS:
            user = users.get(demo.username)
            name = user.get_full_name() if user else f"{demo.first_name} {demo.last_name}"
            role = user.get_role_display() if user else demo.role
            extra = f", supervises {demo.supervises}" if demo.supervises else (f", {demo.team}" if demo.team else "")
            self.stdout.write(f"  {demo.username:<18} {role:<14} {name}{extra}")
        self.stdout.write("")
        self.stdout.write(
            self.style.WARNING("These accounts share a published password: never run seed_demo on a real service.")
        )
