"""What both benchmarks share: a throw-away data folder, Django set up inside it, a case to work on,
and a plain text table.

Benchmarks never touch ./data: every run gets a fresh VIG_DATA_DIR under the system temporary
folder, removed at the end (also on Ctrl-C or SIGTERM).
"""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

# Settings that would send data somewhere other than the temporary folder.
_REDIRECTING_ENV = (
    "DATABASE_URL",
    "AWS_STORAGE_BUCKET_NAME",
    "CELERY_BROKER_URL",
    "VIG_UPLOAD_DIR",
    "VIG_SCRATCH_DIR",
    "VIG_MEDIA_DELIVERY",
)


def bench_env(data_dir: Path) -> dict[str, str]:
    """The environment of this process and of any Django process it starts."""
    env = {k: v for k, v in os.environ.items() if k not in _REDIRECTING_ENV}
    env.update(
        VIG_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="vig.settings",
        DJANGO_DEBUG="true",
        VIG_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


@contextlib.contextmanager
def temporary_data_dir(prefix: str) -> Iterator[Path]:
    """A fresh data folder, removed afterwards whatever happens (SIGTERM is turned into an exception)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))

    def terminated(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, terminated)
    try:
        yield folder
    finally:
        signal.signal(signal.SIGTERM, previous)
        shutil.rmtree(folder, ignore_errors=True)


def setup_django(data_dir: Path) -> None:
    """Point Django at data_dir, set it up in this process and create the database there."""
    os.environ.clear()
    os.environ.update(bench_env(data_dir))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def create_practitioner_case():
    """A practitioner in a team, and a case of theirs. Returns (user, case)."""
    from accounts.models import User
    from cases.models import Case, Child, Client, Team
    from cases.services import create_case

    team = Team.objects.create(name="Bench team")
    user = User.objects.create_user(username="bench", password=None, team=team, first_name="Bench")
    case = create_case(
        client=Client(full_name="Bench Client", relationship_to_child="mother"),
        child=Child(name="B", age_at_referral=6),
        practitioner=user,
        team=team,
        status=Case.Status.ACTIVE,
    )
    return user, case


def machine_lines() -> list[str]:
    ffmpeg_binary = os.environ.get("VIG_FFMPEG", "ffmpeg")
    try:
        ffmpeg_version = subprocess.run(
            [ffmpeg_binary, "-version"], capture_output=True, text=True, timeout=30
        ).stdout.splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        ffmpeg_version = "ffmpeg: not found"
    return [
        f"nproc: {os.cpu_count()}   load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        f"python: {platform.python_version()}   kernel: {platform.release()}",
        ffmpeg_version,
    ]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain text table: first column left-aligned, the others right-aligned."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])
