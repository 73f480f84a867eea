"""How fast the caseload pages render over a service-sized database, next to a trivial view.

    .venv/bin/python bench/caseload.py [--requests 200] [--cases 20000] [--reseed]
    .venv/bin/python bench/caseload.py --database-url postgres://postgres@127.0.0.1:5432/vig_bench [--reuse]

Seeds `manage.py seed_scale` (20 teams, 200 practitioners, --cases cases with sessions, films,
clips, reviews and ratings) into its own database: a SQLite file in a fresh temporary data folder
(copied from --cache, where the seeded file is kept so a rerun starts at once; --reseed makes it
again), or, with --database-url, the PostgreSQL database named there, dropped and created
(it must not be `vig` or `test_vig`; --reuse keeps it between runs). Then, in one process with
Django's test Client, it requests each page of PAGES below and the trivial view in turn,
--requests times, after a warm-up, and prints the median and p95 milliseconds of each, and
each page's p95 against the trivial view's. The trivial view goes through the same middleware,
session and log-in as the pages, and returns "ok".

Exit status 1 if a page marked as a target has a p95 above TARGET_MS, after printing everything.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import types
from pathlib import Path
from urllib.parse import urlparse

from _common import REPO, bench_env, machine_lines, median, table, temporary_data_dir

TARGET_MS = 150
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "vig-bench-cache"
SUPERVISOR = "scale-supervisor-10"  # one team, about 1,000 cases
TWO_TEAMS = "scale-supervisor-01"  # supervises a second team too
ADMIN = "scale-admin"
PRACTITIONER = "scale-practitioner-001"

# The pages measured: (label, user name, url name, GET parameters, a target?). Add a page here.
PAGES = [
    ("supervisor home (caseload review)", SUPERVISOR, "cases:review", {}, True),
    ("  flag: overdue", SUPERVISOR, "cases:review", {"flag": "overdue"}, True),
    ("  search: client name", SUPERVISOR, "cases:review", {"q": "Jones"}, True),
    ("  sort: last contact, page 5", SUPERVISOR, "cases:review", {"sort": "last_contact", "page": "5"}, True),
    ("  all statuses, by practitioner", SUPERVISOR, "cases:review", {"status": "all", "sort": "practitioner"}, True),
    ("supervisor of two teams", TWO_TEAMS, "cases:review", {"flag": "attention"}, True),
    ("administrator: every team", ADMIN, "cases:review", {}, False),
    ("practitioner's own caseload", PRACTITIONER, "cases:list", {}, False),
    # Outcomes (the outcomes app): the supervisor's team, and one practitioner of it, last 12 months.
    ("outcomes: supervisor's team", SUPERVISOR, "outcomes:team", {}, True),
    ("outcomes: a practitioner", SUPERVISOR, "outcomes:practitioner", {}, True),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per page (default 200)")
    parser.add_argument("--cases", type=int, default=20_000, help="cases seeded (default 20000)")
    parser.add_argument("--database-url", help="a PostgreSQL URL to seed and measure instead of SQLite")
    parser.add_argument(
        "--cache", type=Path, default=DEFAULT_CACHE, help=f"keeps the seeded SQLite file ({DEFAULT_CACHE})"
    )
    parser.add_argument("--reseed", action="store_true", help="seed SQLite again even if the cache has it")
    parser.add_argument("--reuse", action="store_true", help="PostgreSQL: keep the database, and use it if seeded")
    args = parser.parse_args()
    if args.requests < 10:
        parser.error("--requests must be at least 10")
    if args.database_url:
        name = urlparse(args.database_url).path.lstrip("/")
        if name in ("", "vig", "test_vig", "postgres"):
            parser.error(f"refusing to use the database {name!r}: name a bench database, e.g. vig_bench")
    try:
        with temporary_data_dir("vig-bench-caseload-") as data_dir:
            return run(data_dir, args)
    except KeyboardInterrupt:
        print("\nInterrupted; the temporary folder has been removed.", file=sys.stderr)
        return 130


def run(data_dir: Path, args) -> int:
    os.environ.clear()
    os.environ.update(bench_env(data_dir))
    cached = args.cache / f"caseload-{args.cases}.sqlite3"
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
        seeded = args.reuse and _postgres_has_scale_data(args.database_url)
        if not seeded:
            _recreate_postgres(args.database_url)
    else:
        seeded = cached.exists() and not args.reseed
        if seeded:
            shutil.copyfile(cached, data_dir / "vig.sqlite3")

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    if not seeded:
        started = time.monotonic()
        print(f"Seeding {args.cases} cases (seed_scale)...", flush=True)
        call_command("seed_scale", cases=args.cases, stdout=sys.stdout)
        print(f"  seeded in {time.monotonic() - started:.0f} s", flush=True)
        if args.database_url:
            _analyse()
        else:
            from django.db import connection

            connection.close()
            args.cache.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(data_dir / "vig.sqlite3", cached)
    try:
        return measure(args)
    finally:
        if args.database_url and not args.reuse:
            from django.db import connections

            connections.close_all()
            _drop_postgres(args.database_url)


def _url(name: str, user) -> str:
    """The page's address; the outcomes pages name the user's first team, or a practitioner in it."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    if name == "outcomes:team":
        return reverse(name, kwargs={"team_id": user.supervised_teams.order_by("pk").first().pk})
    if name == "outcomes:practitioner":
        team = user.supervised_teams.order_by("pk").first()
        practitioner = get_user_model().objects.filter(team=team).order_by("pk").first()
        return reverse(name, kwargs={"user_id": practitioner.pk})
    return reverse(name)


def measure(args) -> int:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.decorators import login_required
    from django.db import connection
    from django.http import HttpResponse
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import clear_url_caches, include, path, reverse

    from cases.models import Case
    from vig.testing.two_factor import force_login_verified

    @login_required
    def trivial(request):
        return HttpResponse("ok")

    urls = types.ModuleType("bench_caseload_urls")
    urls.urlpatterns = [path("bench-trivial/", trivial, name="bench_trivial"), path("", include("vig.urls"))]
    sys.modules["bench_caseload_urls"] = urls
    settings.ROOT_URLCONF = "bench_caseload_urls"
    settings.ALLOWED_HOSTS = ["testserver"]
    clear_url_caches()

    users = {u.username: u for u in get_user_model().objects.filter(username__in={p[1] for p in PAGES})}
    clients = {}
    for name, user in users.items():
        clients[name] = Client()
        force_login_verified(clients[name], user)  # supervisors and administrators give a second factor
    targets = [("trivial view (baseline)", SUPERVISOR, reverse("bench_trivial"), {}, False)]
    targets += [(label, user, _url(url, users[user]), params, goal) for label, user, url, params, goal in PAGES]

    queries = {}
    for label, user, url, params, _ in targets:  # warm-up, and a check that each page answers
        for _ in range(5):
            connection.queries_log.clear()  # the seeding filled it: a full log cannot count
            with CaptureQueriesContext(connection) as captured:
                response = clients[user].get(url, params)
            if response.status_code != 200:
                raise SystemExit(f"{label}: {url} answered {response.status_code}")
        queries[label] = len(captured)

    times = {label: [] for label, *_ in targets}
    for _ in range(args.requests):
        for label, user, url, params, _ in targets:
            started = time.perf_counter()
            clients[user].get(url, params)
            times[label].append((time.perf_counter() - started) * 1000)

    baseline = times[targets[0][0]]
    base_p95 = p95(baseline)
    rows = []
    failed = []
    for label, _, _, _, goal in targets:
        ms = times[label]
        rows.append(
            [
                label,
                queries[label],
                f"{median(ms):.1f}",
                f"{p95(ms):.1f}",
                f"{median(ms) / median(baseline):.1f}x",
                f"{p95(ms) / base_p95:.1f}x",
                ("yes" if p95(ms) < TARGET_MS else "NO") if goal else "",
            ]
        )
        if goal and p95(ms) >= TARGET_MS:
            failed.append(label)

    engine = connection.vendor
    version = connection.cursor().connection.info.server_version if engine == "postgresql" else _sqlite_version()
    print()
    print(*machine_lines()[:2], sep="\n")
    print(f"database: {engine} {version}   cases: {Case.objects.count()}   requests per page: {args.requests}")
    print(f"supervisor {SUPERVISOR} sees {Case.objects.visible_to(users[SUPERVISOR]).count()} cases")
    print()
    headers = ["page", "queries", "median ms", "p95 ms", "median ÷ trivial", "p95 ÷ trivial", f"p95 < {TARGET_MS} ms"]
    print(table(headers, rows))
    if failed:
        print(f"\nAbove the {TARGET_MS} ms p95 target: " + ", ".join(label.strip() for label in failed))
        return 1
    return 0


def p95(values) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def _sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version


def _maintenance(url: str):
    import psycopg

    parsed = urlparse(url)
    conn = psycopg.connect(parsed._replace(path="/postgres").geturl(), autocommit=True)
    return conn, parsed.path.lstrip("/")


def _recreate_postgres(url: str) -> None:
    from psycopg import sql

    conn, name = _maintenance(url)
    with conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _drop_postgres(url: str) -> None:
    from psycopg import sql

    conn, name = _maintenance(url)
    with conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def _postgres_has_scale_data(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            return conn.execute("SELECT count(*) FROM cases_team WHERE name = 'Scale team 01'").fetchone()[0] == 1
    except psycopg.Error:
        return False


def _analyse() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


if __name__ == "__main__":
    os.chdir(REPO)
    sys.exit(main())
