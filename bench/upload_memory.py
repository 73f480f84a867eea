"""The web process's memory while a large film arrives by tus.

    .venv/bin/python bench/upload_memory.py [--size 2G] [--chunk 8M] [--mode chunked|single|both]

Starts the real web process (`manage.py runserver --noreload --nothreading`, DEBUG on) on a free
port with a fresh temporary VIG_DATA_DIR, logs in as a practitioner with a session cookie and a
CSRF token, and uploads --size bytes to a case with the tus protocol from this process
(http.client; the body is generated as it is sent, never held in memory or written to a file):

  chunked   PATCH requests of --chunk bytes (8 MiB, as tus-js-client does in our page);
  single    one PATCH with the whole size, the worst an independent client can send;
  rejected  (only when asked for) one PATCH of the whole size that the view refuses without reading
            its body (a wrong Upload-Offset: 409), to show what the server does with an unread body.

Each mode gets its own fresh server. After warm-up requests (the log-in page for the CSRF cookie,
then a 1 KiB tus upload created, sent and deleted) the peak RSS is reset (/proc/<pid>/clear_refs)
and the idle RSS taken as the baseline. VmRSS is sampled every 50 ms during the upload, VmHWM read
at the end. Growth = max(VmHWM, sampled peak) - baseline; the product asks for at most 50 MB.
Then checks the final offset and the stored .part file (size, and bytes at random places), and
deletes the upload (tus DELETE) so the disk is freed.

MB here is 10^6 bytes.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import random
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from _common import REPO, bench_env, create_practitioner_case, machine_lines, setup_django, table, temporary_data_dir

KiB, MiB, GiB = 1024, 1024**2, 1024**3
MB = 10**6
LIMIT_MB = 50
TUS = {"Tus-Resumable": "1.0.0"}
OFFSET_STREAM = "application/offset+octet-stream"
# The body repeats a block of this many bytes. Not a power of two, so each chunk starts at a
# different place in the block and a misplaced chunk shows in the spot check.
PATTERN_BYTES = MiB + 4099


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=parse_bytes, default=2 * GiB, help="bytes to upload (default 2G = 2 GiB)")
    parser.add_argument("--chunk", type=parse_bytes, default=8 * MiB, help="PATCH size when chunked (default 8M)")
    parser.add_argument(
        "--mode", choices=("chunked", "single", "both", "rejected"), default="both", help="both: chunked, then single"
    )
    parser.add_argument("--interval", type=float, default=0.05, help="RSS sampling interval, seconds (default 0.05)")
    args = parser.parse_args()
    modes = ("chunked", "single") if args.mode == "both" else (args.mode,)

    try:
        with temporary_data_dir("vig-bench-upload-") as data_dir:
            free = shutil.disk_usage(data_dir).free
            if free < args.size + 10**9:
                print(
                    f"Not enough free disk space in {data_dir.parent}: {free / 1e9:.1f} GB free, and an upload "
                    f"of {args.size / 1e9:.1f} GB needs {(args.size + 10**9) / 1e9:.1f} GB (its size + 1 GB). "
                    "Free some space, point TMPDIR elsewhere, or pass a smaller --size.",
                    file=sys.stderr,
                )
                return 2
            return run(data_dir, size=args.size, chunk=args.chunk, modes=modes, interval=args.interval)
    except KeyboardInterrupt:
        print("\nInterrupted; the server is stopped and the temporary folder removed.", file=sys.stderr)
        return 130


def run(data_dir: Path, *, size: int, chunk: int, modes: tuple[str, ...], interval: float) -> int:
    setup_django(data_dir)
    from django.db import connections
    from django.test import Client

    for line in machine_lines():
        print(line)
    print(f"upload: {size:,} bytes ({human(size)}); chunk {chunk:,} bytes; RSS sampled every {interval * 1000:g} ms")
    print(f"temporary data folder: {data_dir} ({shutil.disk_usage(data_dir).free / 1e9:.0f} GB free)")

    user, case = create_practitioner_case()
    browser = Client()
    browser.force_login(user)
    session = browser.cookies["sessionid"].value
    connections.close_all()

    results = []
    for mode in modes:
        with WebServer(data_dir) as server:
            client = TusClient(server.port, session=session, create_path=tus_create_path(case))
            client.log_in()
            client.warm_up()
            server.reset_peak()
            time.sleep(0.5)
            baseline = server.memory()
            print(f"\n{mode}: web process pid {server.pid}, baseline VmRSS {baseline.rss / MB:.1f} MB", flush=True)
            result = upload(
                client, server, size=size, chunk=chunk if mode == "chunked" else size, interval=interval, mode=mode
            )
            result.mode, result.baseline = mode, baseline
            results.append(result)
            print(
                f"{mode}: {result.requests} PATCH, {result.seconds:.1f} s, VmHWM {result.hwm / MB:.1f} MB, "
                f"final offset {result.final_offset:,}",
                flush=True,
            )
            if result.growth > LIMIT_MB * MB:
                print_timeline(result)

    print()
    print(f"Web process memory during a {human(size)} tus upload (runserver --nothreading, DEBUG on)")
    rows = []
    for r in results:
        rows.append(
            [
                f"{r.mode} ({'1 PATCH' if r.requests == 1 else f'{r.requests} x {human(r.chunk)}'})",
                f"{r.baseline.rss / MB:.1f}",
                f"{r.peak_sampled.rss / MB:.1f}",
                f"{r.hwm / MB:.1f}",
                f"{r.growth / MB:+.1f}",
                f"{(r.peak_sampled.anon - r.baseline.anon) / MB:+.1f}",
                "yes" if r.growth <= LIMIT_MB * MB else "NO",
                f"{r.sent / MB / r.seconds:.0f}",
                f"{r.seconds:.1f}",
                f"{r.final_offset:,}",
                "yes" if r.stored_ok else "NO",
            ]
        )
    print(
        table(
            [
                "mode",
                "baseline MB",
                "peak MB",
                "VmHWM MB",
                "growth MB",
                "anon growth",
                f"<= {LIMIT_MB} MB",
                "MB/s",
                "seconds",
                "final offset",
                ".part ok",
            ],
            rows,
        )
    )
    print(
        "baseline: idle VmRSS after warm-up; peak: highest 50 ms sample; growth: max(peak, VmHWM) - baseline; "
        "anon growth: RssAnon, peak sample - baseline; .part ok: size and spot-checked bytes match what was sent "
        "(rejected: nothing was kept)."
    )
    failed = [r.mode for r in results if r.growth > LIMIT_MB * MB or not r.stored_ok]
    if failed:
        print(f"\nFAIL: {', '.join(failed)}")
        return 1
    return 0


def tus_create_path(case) -> str:
    from django.urls import reverse

    return reverse("clips:tus_create", kwargs={"reference": case.reference})


# ---------------------------------------------------------------------------
# The web process


@dataclass(frozen=True)
class Memory:
    rss: int  # bytes
    anon: int
    hwm: int


class WebServer:
    """`manage.py runserver --noreload --nothreading` on a free port; stopped on exit, whatever happens."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.port = free_port()
        self.log_path = data_dir / f"runserver-{self.port}.log"

    def __enter__(self):
        command = [sys.executable, "manage.py", "runserver", "--noreload", "--nothreading", f"127.0.0.1:{self.port}"]
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            command, cwd=REPO, env=bench_env(self.data_dir), stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log
        )
        self.pid = self.process.pid
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"runserver exited ({self.process.returncode}):\n{self.log_tail()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return self
            time.sleep(0.1)
        raise RuntimeError(f"runserver did not start listening in 60 s:\n{self.log_tail()}")

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def memory(self) -> Memory:
        status = Path(f"/proc/{self.pid}/status").read_text()
        values = {k: int(v) * KiB for k, v in re.findall(r"^(VmRSS|RssAnon|VmHWM):\s+(\d+) kB", status, re.M)}
        return Memory(rss=values["VmRSS"], anon=values["RssAnon"], hwm=values["VmHWM"])

    def reset_peak(self) -> None:
        """Set VmHWM back to the current RSS (Linux >= 4.0), so it shows the upload's peak only."""
        try:
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
        except OSError as e:
            print(f"(could not reset VmHWM: {e}; it includes start-up)")

    def log_tail(self) -> str:
        self.log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-30:])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sampler(threading.Thread):
    """Reads the web process's memory every `interval` seconds until stopped."""

    def __init__(self, server: WebServer, interval: float):
        super().__init__(daemon=True)
        self.server, self.interval = server, interval
        self.samples: list[tuple[float, Memory]] = []
        self.stopped = threading.Event()
        self.started_at = time.monotonic()

    def run(self):
        while not self.stopped.is_set():
            with contextlib.suppress(OSError, KeyError):
                self.samples.append((time.monotonic() - self.started_at, self.server.memory()))
            self.stopped.wait(self.interval)

    def stop(self) -> list[tuple[float, Memory]]:
        self.stopped.set()
        self.join()
        return self.samples


# ---------------------------------------------------------------------------
# The tus client


class TusClient:
    """Just enough of a tus 1.0.0 client over http.client, logged in by session cookie + CSRF token."""

    def __init__(self, port: int, *, session: str, create_path: str):
        self.port = port
        self.session = session
        self.create_path = create_path
        self.csrf = ""

    def log_in(self) -> None:
        """GET the log-in page for a CSRF cookie (the first warm-up request)."""
        status, headers, _ = self.request("GET", "/accounts/login/", auth=False)
        match = re.search(r"csrftoken=([^;]+)", headers.get("Set-Cookie", ""))
        if status != 200 or not match:
            raise RuntimeError(f"GET /accounts/login/ gave {status} and no csrftoken cookie")
        self.csrf = match.group(1)

    def warm_up(self) -> None:
        """A 1 KiB upload created, sent and deleted: the code paths are loaded before the baseline."""
        path = self.create(KiB)
        offset = self.patch(path, 0, KiB)
        if offset != KiB:
            raise RuntimeError(f"warm-up PATCH ended at {offset}")
        self.delete(path)

    def create(self, length: int) -> str:
        status, headers, body = self.request(
            "POST", self.create_path, {"Upload-Length": str(length), "Upload-Metadata": "filename YmVuY2gubXA0"}
        )
        if status != 201:
            raise RuntimeError(f"tus creation gave {status}: {body[:300]!r}")
        return urlsplit(headers["Location"]).path

    def patch(self, path: str, offset: int, length: int, *, claimed_offset: int | None = None) -> int:
        """Send `length` bytes from `offset`; return the new offset. With claimed_offset, say the bytes
        start there instead, which the server must refuse (409); return the offset it reports."""
        expected = 204 if claimed_offset is None else 409
        claimed = offset if claimed_offset is None else claimed_offset
        headers = {"Upload-Offset": str(claimed), "Content-Type": OFFSET_STREAM, "Content-Length": str(length)}
        status, response_headers, body = self.request("PATCH", path, headers, body=pattern_body(offset, length))
        if status != expected:
            raise RuntimeError(f"PATCH at {claimed} gave {status}, not {expected}: {body[:300]!r}")
        if claimed_offset is not None:
            return int(re.search(rb"at byte (\d+)", body).group(1))
        return int(response_headers["Upload-Offset"])

    def head(self, path: str) -> int:
        status, headers, _ = self.request("HEAD", path)
        if status != 200:
            raise RuntimeError(f"HEAD gave {status}")
        return int(headers["Upload-Offset"])

    def delete(self, path: str) -> None:
        status, _, body = self.request("DELETE", path)
        if status != 204:
            raise RuntimeError(f"DELETE gave {status}: {body[:300]!r}")

    def request(self, method: str, path: str, headers=None, *, body=None, auth=True):
        """One request on a new connection: runserver --nothreading closes each one after its response."""
        all_headers = dict(headers or {})
        if auth:
            all_headers.update(TUS)
            all_headers["Cookie"] = f"sessionid={self.session}; csrftoken={self.csrf}"
            all_headers["X-CSRFToken"] = self.csrf
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        try:
            connection.request(method, path, body=body, headers=all_headers)
            response = connection.getresponse()
            data = response.read()
            return response.status, response.headers, data
        finally:
            connection.close()


def pattern_block() -> bytes:
    return random.Random(2026).randbytes(PATTERN_BYTES)  # noqa: S311 - test bytes, not secrets


_BLOCK = pattern_block()
_TWICE = memoryview(_BLOCK + _BLOCK)


def pattern_body(offset: int, length: int):
    """The bytes from `offset` of an endless repetition of _BLOCK, as views into one 2 MiB buffer."""
    position, end = offset, offset + length
    while position < end:
        start = position % PATTERN_BYTES
        piece = min(PATTERN_BYTES, end - position)
        yield _TWICE[start : start + piece]
        position += piece


def expected_bytes(offset: int, length: int) -> bytes:
    return b"".join(pattern_body(offset, length))


# ---------------------------------------------------------------------------
# One measured upload


@dataclass
class Result:
    chunk: int
    sent: int = 0
    requests: int = 0
    seconds: float = 0.0
    final_offset: int = 0
    stored_ok: bool = False
    hwm: int = 0
    samples: list[tuple[float, Memory]] = field(default_factory=list)
    mode: str = ""
    baseline: Memory | None = None

    @property
    def peak_sampled(self) -> Memory:
        return max((m for _, m in self.samples), key=lambda m: m.rss)

    @property
    def growth(self) -> int:
        return max(self.hwm, self.peak_sampled.rss) - self.baseline.rss


def upload(client: TusClient, server: WebServer, *, size: int, chunk: int, interval: float, mode: str) -> Result:
    from clips.models import FilmUpload

    result = Result(chunk=chunk)
    path = client.create(size)
    upload_id = path.rstrip("/").rsplit("/", 1)[1]
    sampler = Sampler(server, interval)
    sampler.start()
    try:
        started = time.perf_counter()
        if mode == "rejected":
            client.patch(path, 0, size, claimed_offset=1)
            result.requests, result.sent = 1, size
        else:
            offset = 0
            while offset < size:
                length = min(chunk, size - offset)
                new_offset = client.patch(path, offset, length)
                if new_offset != offset + length:
                    raise RuntimeError(f"PATCH of {length} at {offset} ended at {new_offset}")
                offset = new_offset
                result.requests += 1
                result.sent += length
        result.seconds = time.perf_counter() - started
        time.sleep(0.2)  # one more sample after the last response
    finally:
        result.samples = sampler.stop()
    result.hwm = server.memory().hwm

    stored = FilmUpload.objects.get(pk=upload_id)
    part = Path(stored.path)
    try:
        result.final_offset = client.head(path)
        if mode == "rejected":  # nothing kept
            result.stored_ok = stored.offset == 0 and part.stat().st_size == 0 and result.final_offset == 0
        else:
            result.stored_ok = stored.offset == size and part.stat().st_size == size and spot_check(part, size)
    finally:
        client.delete(path)  # tus termination removes the row and the .part
        part.unlink(missing_ok=True)
    return result


def spot_check(part: Path, size: int) -> bool:
    """The bytes at the start, the end and 32 random places are the ones sent there."""
    places = [0, max(0, size - 4 * KiB)] + [random.randrange(size) for _ in range(32)]  # noqa: S311
    with part.open("rb") as f:
        for place in places:
            length = min(4 * KiB, size - place)
            f.seek(place)
            if f.read(length) != expected_bytes(place, length):
                print(f"stored bytes at {place:,} differ from those sent")
                return False
    return True


def print_timeline(result: Result) -> None:
    """RSS over the upload, ten points, to show whether it climbs with the bytes or jumps."""
    samples = result.samples
    step = max(1, len(samples) // 10)
    points = samples[::step] + [samples[-1]]
    print("  RSS over time: " + ", ".join(f"{t:.1f}s {m.rss / MB:.0f} MB" for t, m in points))


def human(size: int) -> str:
    for unit, scale in (("GiB", GiB), ("MiB", MiB), ("KiB", KiB)):
        if size >= scale:
            return f"{size / scale:.4g} {unit}"
    return f"{size} bytes"


def parse_bytes(text: str) -> int:
    match = re.fullmatch(r"\s*(\d+)\s*([KMG]?)(?:i?B)?\s*", text, re.I)
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (try 2G, 512M, 1048576)")
    number, unit = int(match.group(1)), match.group(2).upper()
    value = number * {"": 1, "K": KiB, "M": MiB, "G": GiB}[unit]
    if value <= 0:
        raise argparse.ArgumentTypeError("the size must be more than 0")
    return value


if __name__ == "__main__":
    sys.exit(main())
