"""How long the outcomes pages take with many cases, against working the same figures out in Python.

    .venv/bin/python bench/outcomes_page.py [--cases 20000] [--teams 10] [--requests 40]

Makes a fresh temporary database (SQLite, or PostgreSQL when run with DATABASE_URL set and
--keep-database-url) and fills it with bulk inserts: --cases cases in --teams teams, five
practitioners a team; 60 % closed, their closing dates spread over the last two years (so about
30 % closed in the default period, the last 12 months); three goals a case, rated at the start
(95 %), hoped-for (90 %), at one to three reviews and, on closed cases, at the end (85 %); two
films a case with three clips each, tagged with two principles.

Then, alternating, --requests times each (after one warm-up request; the baseline only
--baseline-runs times, as it takes seconds at this size):

  team          GET outcomes:team for the first team, as its supervisor (the whole view:
                middleware, session, queries, templates, audit event);
  practitioner  GET outcomes:practitioner for a practitioner of that team, as the supervisor;
  team csv      GET outcomes:team_csv;
  python        the baseline: the same figures for the team page worked out in Python from the
                team's closed cases with their goals and ratings prefetched (what a view looping
                over rows would do). Its figures are checked against ours, so the comparison is
                of the same answer.

Prints p50 and p95 milliseconds and the ratio to the baseline. The product asks for the outcomes
page under 150 ms at p95 with 20,000 cases on a 2-core machine; the exit status is 1 if the team
page's p95 is above that.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import sys
import time
from pathlib import Path

from _common import bench_env, machine_lines, table, temporary_data_dir

LIMIT_MS = 150


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--teams", type=int, default=10)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument(
        "--baseline-runs", type=int, default=5, help="runs of the Python baseline (slow: seconds each at scale)"
    )
    parser.add_argument(
        "--keep-database-url", action="store_true", help="use DATABASE_URL (a PostgreSQL database to fill and empty)"
    )
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL") if args.keep_database_url else None
    try:
        with temporary_data_dir("vig-bench-outcomes-") as data_dir:
            return run(data_dir, args, database_url)
    except KeyboardInterrupt:
        print("\nInterrupted; the temporary folder has been removed.", file=sys.stderr)
        return 130


def run(data_dir: Path, args, database_url: str | None) -> int:
    os.environ.clear()
    os.environ.update(bench_env(data_dir))
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"  # Django's test client, which makes the requests
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    for line in machine_lines():
        print(line)
    print(f"database: {connection.vendor}")
    started = time.perf_counter()
    world = fill(cases=args.cases, teams=args.teams)
    print(f"filled {args.cases} cases in {args.teams} teams in {time.perf_counter() - started:.0f} s")
    return measure(world, requests=args.requests, baseline_runs=args.baseline_runs)


def fill(*, cases: int, teams: int) -> dict:
    from accounts.models import User
    from cases.models import Case, Child, Client, Goal, GoalRating, Team
    from clips.models import Clip, ClipTag, Film, Principle

    rng = random.Random(7)  # noqa: S311 - made-up data, not secrets
    today = datetime.date.today()
    team_rows = Team.objects.bulk_create([Team(name=f"Team {i + 1}") for i in range(teams)])
    supervisor = User.objects.create_user(username="supervisor", role=User.Role.SUPERVISOR, password=None)
    team_rows[0].supervisors.add(supervisor)
    practitioners = User.objects.bulk_create(
        [
            User(username=f"p{t}-{i}", team=team, first_name="P", last_name=f"{t}-{i}")
            for t, team in enumerate(team_rows)
            for i in range(5)
        ]
    )
    clients = Client.objects.bulk_create(
        [Client(full_name=f"Client {i}", relationship_to_child="mother") for i in range(cases)], batch_size=5000
    )
    children = Child.objects.bulk_create([Child(name=f"C{i}") for i in range(cases)], batch_size=5000)
    case_rows = []
    for i in range(cases):
        practitioner = practitioners[i % len(practitioners)]
        closed = rng.random() < 0.6
        closed_on = today - datetime.timedelta(days=rng.randrange(730)) if closed else None
        case_rows.append(
            Case(
                reference=f"VIG-B-{i + 1:06d}",
                client=clients[i],
                child=children[i],
                practitioner=practitioner,
                team_id=practitioner.team_id,
                status=Case.Status.CLOSED if closed else Case.Status.ACTIVE,
                opened_on=(closed_on or today) - datetime.timedelta(days=200),
                closed_on=closed_on,
            )
        )
    case_rows = Case.objects.bulk_create(case_rows, batch_size=5000)
    goals = Goal.objects.bulk_create(
        [Goal(case=case, description=f"Goal {n}", position=n) for case in case_rows for n in range(1, 4)],
        batch_size=5000,
    )
    ratings = []
    for goal, case in zip(goals, [c for c in case_rows for _ in range(3)], strict=True):
        baseline = rng.randrange(0, 7)
        if rng.random() < 0.95:
            ratings.append(GoalRating(goal=goal, phase="baseline", score=baseline))
        if rng.random() < 0.9:
            ratings.append(GoalRating(goal=goal, phase="hoped_for", score=min(10, baseline + rng.randrange(1, 5))))
        for number in range(1, rng.randrange(2, 5)):
            ratings.append(GoalRating(goal=goal, phase="review", review_number=number, score=rng.randrange(0, 11)))
        if case.status == Case.Status.CLOSED and rng.random() < 0.85:
            end = max(0, min(10, baseline + rng.randrange(-2, 6)))
            ratings.append(GoalRating(goal=goal, phase="end", score=end))
    GoalRating.objects.bulk_create(ratings, batch_size=5000)
    films = Film.objects.bulk_create(
        [
            Film(case=case, recorded_on=case.opened_on + datetime.timedelta(days=30 * n), activity="Play")
            for case in case_rows
            for n in (1, 2)
        ],
        batch_size=5000,
    )
    clips = Clip.objects.bulk_create(
        [
            Clip(film=film, start_frame=25 * n, end_frame=25 * n + 100, caption="A moment", position=n)
            for film in films
            for n in (1, 2, 3)
        ],
        batch_size=5000,
    )
    principles = list(Principle.objects.order_by("number"))
    weights = [30, 25, 25, 12, 6, 2]
    tags = []
    for clip in clips:
        for principle in set(rng.choices(principles, weights=weights, k=2)):
            tags.append(ClipTag(clip=clip, principle=principle))
    ClipTag.objects.bulk_create(tags, batch_size=5000)
    with_goals = Case.objects.filter(team=team_rows[0])
    print(
        f"rows: {len(goals)} goals, {len(ratings)} ratings, {len(films)} films, {len(clips)} clips, {len(tags)} tags; "
        f"first team: {with_goals.count()} cases, {with_goals.filter(status='closed').count()} closed"
    )
    return {"team": team_rows[0], "supervisor": supervisor, "practitioner": practitioners[0]}


def python_figures(team, user) -> dict:
    """The baseline: the team page's goal figures from prefetched rows, looped over in Python."""
    from django.db.models import Prefetch

    from cases.models import Case, Goal
    from outcomes.forms import last_twelve_months

    start, end = last_twelve_months()
    cases = (
        Case.objects.visible_to(user)
        .filter(team=team, status="closed", closed_on__gte=start, closed_on__lte=end)
        .prefetch_related(Prefetch("goals", queryset=Goal.objects.prefetch_related("ratings")))
    )
    both, changes, improved, with_hope, reached, without_end = 0, [], 0, 0, 0, 0
    for case in cases:
        for goal in case.goals.all():
            found = goal.ratings_by_phase()
            b, h, e = (found[p].score if found[p] else None for p in ("baseline", "hoped_for", "end"))
            if e is None:
                without_end += 1
                continue
            if b is not None:
                both += 1
                changes.append(e - b)
                improved += e > b
            if h is not None:
                with_hope += 1
                reached += e >= h
    return {
        "rated_at_both": both,
        "mean_change": statistics.fmean(changes) if changes else None,
        "improved": improved,
        "with_hoped_for": with_hope,
        "reached": reached,
        "without_end": without_end,
    }


def measure(world: dict, *, requests: int, baseline_runs: int) -> int:
    from django.test import Client
    from django.urls import reverse

    from cases.models import Case
    from outcomes import figures
    from outcomes.forms import last_twelve_months
    from vig.testing.two_factor import force_login_verified

    team, supervisor, practitioner = world["team"], world["supervisor"], world["practitioner"]
    client = Client()
    force_login_verified(client, supervisor)  # supervisors give a second factor
    urls = {
        "team": reverse("outcomes:team", kwargs={"team_id": team.pk}),
        "practitioner": reverse("outcomes:practitioner", kwargs={"user_id": practitioner.pk}),
        "team csv": reverse("outcomes:team_csv", kwargs={"team_id": team.pk}),
    }

    start, end = last_twelve_months()
    ours = figures.summarise(
        figures.closed_between(Case.objects.visible_to(supervisor).filter(team=team), start=start, end=end)
    )
    theirs = python_figures(team, supervisor)
    for name, value in theirs.items():
        mine = getattr(ours, name)
        same = abs(mine - value) < 1e-9 if isinstance(value, float) else mine == value
        if not same:
            print(f"MISMATCH {name}: ours {mine}, python {value}")
            return 2
    print(
        f"figures agree: {ours.cases_closed} cases closed in the period, {ours.goals} goals, "
        f"{ours.rated_at_both} rated at both, mean change {ours.mean_change:+.2f}"
    )

    def timed(action) -> float:
        began = time.perf_counter()
        action()
        return (time.perf_counter() - began) * 1000

    actions = {name: (lambda url=url: _get_ok(client, url)) for name, url in urls.items()}
    actions["python"] = lambda: python_figures(team, supervisor)
    for action in actions.values():
        action()
    samples: dict[str, list[float]] = {name: [] for name in actions}
    for i in range(requests):
        for name, action in actions.items():
            if name != "python" or i < baseline_runs:
                samples[name].append(timed(action))

    baseline_p95 = p95(samples["python"])
    rows = [
        [name, f"{statistics.median(values):.1f}", f"{p95(values):.1f}", f"{p95(values) / baseline_p95:.2f}"]
        for name, values in samples.items()
    ]
    print(table(["what", "p50 ms", "p95 ms", "p95 / python"], rows))
    team_p95 = p95(samples["team"])
    print(f"team page p95 {team_p95:.1f} ms; the product asks for at most {LIMIT_MS} ms")
    return 0 if team_p95 <= LIMIT_MS else 1


def _get_ok(client, url):
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    b"".join(response) if response.streaming else response.content


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


if __name__ == "__main__":
    sys.exit(main())
