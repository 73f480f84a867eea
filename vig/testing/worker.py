"""A real Celery worker for tests, as a separate process on the configured broker.

It uses the on-disk broker on a developer's machine and Redis in CI (bin/test
sets CELERY_BROKER_URL), and the same test database as the test process, so
tests that use it need `transactional_db`: the worker only sees committed rows.
Nothing here skips: if the broker or database is unreachable the worker fails
to start and the test fails.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

READY_TIMEOUT = 60


def database_url() -> str:
    """The URL of the test database (pytest-django has renamed it by now)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


class WorkerProcess:
    def __init__(self, log_path: Path, extra_env: dict[str, str]):
        self.log_path = log_path
        self.extra_env = extra_env
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {**os.environ, "DATABASE_URL": database_url(), "VIG_DATA_DIR": str(settings.DATA_DIR), **self.extra_env}
        self.log_start = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "vig",
                "worker",
                "-Q",
                "default,media",
                "--concurrency",
                "1",
                "--loglevel",
                "INFO",
                "--without-mingle",
                "--without-gossip",
                "-B",
                "--schedule",
                str(settings.DATA_DIR / "test-celerybeat-schedule"),
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill takes ffmpeg with it
        )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"The Celery worker exited with {self.process.returncode}:\n{self.log()}")
            if " ready." in self.log():
                return
            time.sleep(0.2)
        pytest.fail(f"The Celery worker did not become ready in {READY_TIMEOUT} s:\n{self.log()}")

    def log(self) -> str:
        with self.log_path.open("rb") as fh:
            fh.seek(self.log_start)
            return fh.read().decode(errors="replace")

    def kill(self, sig=signal.SIGKILL) -> None:
        """Kill the worker and every process it started, as a crash or the OOM killer would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """Start a real worker; `worker.kill()` and `worker.start()` simulate a crash and a restart."""
    worker = WorkerProcess(
        tmp_path / "worker.log",
        # Short lease and sweep so a crash is noticed in seconds, not a minute.
        {"VIG_TASK_LEASE_SECONDS": "3", "VIG_REQUEUE_INTERVAL_SECONDS": "2"},
    )
    worker.start()
    yield worker
    worker.stop()
