"""How fast the playback copy is made, as a multiple of real time, next to plain ffmpeg.

    .venv/bin/python bench/film_transcode.py [--runs 3] [--seconds 60]

Makes a 1080p30 H.264/AAC clip with ffmpeg's lavfi sources (testsrc2 and a sine tone) once, in a
fresh temporary VIG_DATA_DIR, then alternates, --runs times:

  plain     the exact ffmpeg argv that media.transcode_playback runs (captured from run_ffmpeg,
            only the output name changed), run by subprocess.run with nothing around it;
  ours      media.transcode_playback: progress parsing, stderr tail, timeout timer, scratch
            folder, write-then-rename;
  pipeline  pipeline.process_film on a Film whose original is the clip: lease, probe, transcode
            with progress written to the database, probe again, poster, thumbnails, storage.

Prints median wall seconds, x real time (clip seconds / wall seconds), our transcode's overhead
over plain ffmpeg, (median ours / median plain - 1) * 100, and where the pipeline's time goes.
Exits 1 if that overhead is above 5 %, after printing everything.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import resource
import shlex
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from unittest import mock

from _common import create_practitioner_case, machine_lines, median, setup_django, table, temporary_data_dir

MAX_OVERHEAD_PERCENT = 5.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="rounds of plain / ours / pipeline (default 3)")
    parser.add_argument("--seconds", type=int, default=60, help="length of the test clip (default 60)")
    args = parser.parse_args()
    if args.runs < 1 or args.seconds < 2:
        parser.error("--runs must be at least 1 and --seconds at least 2")

    try:
        with temporary_data_dir("vig-bench-transcode-") as data_dir:
            return run(data_dir, runs=args.runs, seconds=args.seconds)
    except KeyboardInterrupt:
        print("\nInterrupted; the temporary folder has been removed.", file=sys.stderr)
        return 130


def run(data_dir: Path, *, runs: int, seconds: int) -> int:
    setup_django(data_dir)
    from django.conf import settings

    from clips import media

    for line in machine_lines():
        print(line)

    clip = data_dir / "clip-1080p30.mp4"
    started = time.monotonic()
    make_clip(clip, seconds=seconds, ffmpeg=settings.FFMPEG_BINARY)
    info = media.probe(clip)
    print(
        f"clip: {info.width}x{info.height} {info.frame_rate:g} fps {info.video_codec}/{info.audio_codec}, "
        f"{info.duration:.2f} s, {info.size / 1e6:.1f} MB ({info.size * 8 / info.duration / 1e6:.1f} Mbit/s), "
        f"made in {time.monotonic() - started:.1f} s"
    )

    plain_dir, ours_dir = data_dir / "plain", data_dir / "ours"
    plain_dir.mkdir()
    ours_dir.mkdir()
    plain_out = plain_dir / "playback.mp4"
    command = plain_command(clip, info, plain_out)
    print("plain argv:", shlex.join(command).replace(str(data_dir), "$TMP"))
    print()

    film_factory = FilmFactory(clip)
    plain, ours, whole = Runs(), Runs(), Runs()
    parts: dict[str, list[float]] = defaultdict(list)
    sizes: dict[str, int] = {}
    for round_number in range(1, runs + 1):
        plain.add(time_plain(command, cwd=plain_dir, stderr_file=data_dir / "plain-stderr.txt"))
        sizes["plain"] = plain_out.stat().st_size
        plain_out.unlink()

        ours.add(time_ours(clip, ours_dir / "playback.mp4", info))
        sizes["ours"] = (ours_dir / "playback.mp4").stat().st_size
        (ours_dir / "playback.mp4").unlink()

        watch, breakdown = film_factory.time_pipeline()
        whole.add(watch)
        for name, value in breakdown.items():
            parts[name].append(value)
        print(
            f"round {round_number}/{runs}: plain {plain.wall[-1]:.2f} s, ours {ours.wall[-1]:.2f} s "
            f"({(ours.wall[-1] / plain.wall[-1] - 1) * 100:+.1f} %), pipeline {whole.wall[-1]:.2f} s; "
            f"load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )

    duration = info.duration
    plain_m, pipe_m = median(plain.wall), median(whole.wall)
    overhead = (median(ours.wall) / plain_m - 1) * 100
    cpu_overhead = (median(ours.cpu) / median(plain.cpu) - 1) * 100
    paired = [(o / p - 1) * 100 for o, p in zip(ours.wall, plain.wall, strict=True)]
    spread = (max(plain.wall) - min(plain.wall)) / plain_m * 100

    def row(label: str, wall: list[float], runs: Runs | None = None) -> list[str]:
        m = median(wall)
        return [
            label,
            f"{m:.2f}",
            f"{duration / m:.2f}x",
            "" if runs is plain else f"{(m / plain_m - 1) * 100:+.1f} %",
            f"{median(runs.child_cpu):.1f}" if runs else "",
            f"{median(runs.own_cpu):.2f}" if runs else "",
            " ".join(f"{v:.2f}" for v in wall),
        ]

    print()
    print(f"Playback copy of a {duration:.0f} s {info.width}x{info.height} clip, median of {runs} alternated runs")
    print(
        table(
            ["", "median s", "x real time", "vs plain", "ffmpeg CPU s", "Python CPU s", "runs (wall s)"],
            [
                row("plain ffmpeg, same argv", plain.wall, plain),
                row("ours: transcode_playback", ours.wall, ours),
                row("  its step inside process_film", parts["transcode_playback"]),
                row("process_film, whole pipeline", whole.wall, whole),
            ],
        )
    )
    print(
        "ffmpeg CPU: user+system seconds of the child processes (ffmpeg, ffprobe); "
        "Python CPU: of this process while it waited (progress parsing, threads, database)."
    )
    print()
    print(
        f"transcode overhead vs plain ffmpeg: {overhead:+.1f} % wall (median ours / median plain; "
        f"limit {MAX_OVERHEAD_PERCENT:g} %); per round: {' '.join(f'{p:+.1f}' for p in paired)} %; "
        f"CPU (ffmpeg + Python): {cpu_overhead:+.1f} %"
    )
    print(f"output sizes: plain {sizes['plain'] / 1e6:.2f} MB, ours {sizes['ours'] / 1e6:.2f} MB")
    if spread > MAX_OVERHEAD_PERCENT:
        print(
            f"NOTE: the plain runs alone spread over {spread:.0f} % of their median "
            f"({min(plain.wall):.1f}-{max(plain.wall):.1f} s): the machine is too noisy for wall time to "
            f"resolve {MAX_OVERHEAD_PERCENT:g} %; the CPU columns are steadier. More --runs help."
        )

    print()
    print(f"Where process_film's time goes (median of {runs})")
    step_rows = []
    accounted = 0.0
    for name in ("probe", "transcode_playback", "make_poster", "make_thumbnail_strip", "store", "claim", "finish"):
        values = parts.get(name, [0.0])
        accounted += median(values)
        step_rows.append([name, f"{median(values):.2f}", f"{median(values) / pipe_m * 100:.1f} %"])
    rest = pipe_m - accounted
    step_rows.append(["everything else (tracker writes, scratch)", f"{rest:.2f}", f"{rest / pipe_m * 100:.1f} %"])
    step_rows.append(["total", f"{pipe_m:.2f}", "100 %"])
    print(table(["step", "median s", "share"], step_rows))
    print(f"(probe runs twice: on the original, then on the playback copy; {film_factory.films} films processed)")

    if overhead > MAX_OVERHEAD_PERCENT:
        print(f"\nFAIL: our transcode is {overhead:.1f} % slower than plain ffmpeg (limit {MAX_OVERHEAD_PERCENT:g} %).")
        return 1
    return 0


class Runs:
    """Wall and CPU seconds of repeated runs of one kind."""

    def __init__(self):
        self.wall: list[float] = []
        self.own_cpu: list[float] = []
        self.child_cpu: list[float] = []

    def add(self, watch: Stopwatch) -> None:
        self.wall.append(watch.wall)
        self.own_cpu.append(watch.own_cpu)
        self.child_cpu.append(watch.child_cpu)

    @property
    def cpu(self) -> list[float]:
        return [own + child for own, child in zip(self.own_cpu, self.child_cpu, strict=True)]


# ---------------------------------------------------------------------------
# The clip and the three ways of transcoding it


def make_clip(path: Path, *, seconds: int, ffmpeg: str) -> None:
    """A phone-like 1080p30 H.264 (high, ~10 Mbit/s) + AAC film, the same every run."""
    command = [
        ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=30:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
        "-c:v", "libx264", "-preset", "veryfast", "-b:v", "10M", "-maxrate", "12M", "-bufsize", "20M",
        "-pix_fmt", "yuv420p", "-g", "60",
        "-c:a", "aac", "-b:a", "128k",
        "-movflags", "+faststart",
        str(path),
    ]  # fmt: skip
    subprocess.run(command, check=True, timeout=60 * seconds)


def plain_command(clip: Path, info, out: Path) -> list[str]:
    """The full argv run_ffmpeg starts for transcode_playback, with `out` as the output.

    Captured rather than rebuilt, so the bench follows any change to run_ffmpeg's options:
    Popen is replaced for a moment by a spy that records the argv and refuses to start.
    """
    from clips import media

    seen: list[list[str]] = []

    def spy(command, *args, **kwargs):
        seen.append(list(command))
        raise OSError(0, "not started by the benchmark")

    with mock.patch.object(media.subprocess, "Popen", spy), contextlib.suppress(media.MediaProcessingError):
        media.transcode_playback(clip, out.parent / "capture.mp4", info)
    if len(seen) != 1:
        raise RuntimeError(f"expected transcode_playback to start ffmpeg once, saw {len(seen)}")
    command = seen[0]
    outputs = [i for i, arg in enumerate(command) if arg.startswith("file:") and arg.endswith(".partial")]
    if len(outputs) != 1:
        raise RuntimeError(f"could not find the output in {command}")
    command[outputs[0]] = media._url(out)
    return command


def time_plain(command: list[str], *, cwd: Path, stderr_file: Path) -> Stopwatch:
    with stderr_file.open("wb") as stderr, Stopwatch() as watch:
        done = subprocess.run(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr)
    if done.returncode != 0:
        raise RuntimeError(f"plain ffmpeg failed ({done.returncode}): {stderr_file.read_text()[-2000:]}")
    return watch


def time_ours(clip: Path, out: Path, info) -> Stopwatch:
    from clips import media

    reports: list[float] = []
    with Stopwatch() as watch:
        media.transcode_playback(clip, out, info, on_progress=reports.append)
    if not reports or reports[-1] != 100.0:
        raise RuntimeError(f"transcode_playback reported no progress to 100 ({reports[-3:]})")
    return watch


class Stopwatch:
    """Wall seconds, and CPU seconds (user + system) of this process and of the children it waited for.

    CPU seconds barely move when neighbours load the machine, so they show our own cost more
    steadily than wall time on a shared box.
    """

    def __enter__(self):
        self._own, self._child = self._cpu_now()
        self._wall = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self._wall
        own, child = self._cpu_now()
        self.own_cpu, self.child_cpu = own - self._own, child - self._child

    @staticmethod
    def _cpu_now() -> tuple[float, float]:
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


class FilmFactory:
    """Films on one stored original (the clip, saved once), each processed by process_film."""

    TIMED = {
        "media": ("probe", "transcode_playback", "make_poster", "make_thumbnail_strip"),
        "pipeline": ("store", "claim", "finish"),
    }

    def __init__(self, clip: Path):
        import datetime

        from django.core.files import File
        from django.core.files.storage import default_storage

        self.user, self.case = create_practitioner_case()
        with clip.open("rb") as fh:
            self.original = default_storage.save("films/bench/original.mov", File(fh, name=clip.name))
        self.size = clip.stat().st_size
        self.recorded_on = datetime.date.today()
        self.films = 0

    def time_pipeline(self) -> tuple[Stopwatch, dict[str, float]]:
        from clips import media, pipeline
        from clips.models import Film

        film = Film.objects.create(
            case=self.case,
            uploaded_by=self.user,
            recorded_on=self.recorded_on,
            activity="benchmark",
            original=self.original,
            original_size=self.size,
        )
        spent: dict[str, float] = defaultdict(float)
        with contextlib.ExitStack() as stack:
            for module in (media, pipeline):
                for name in self.TIMED[module.__name__.rsplit(".", 1)[1]]:
                    stack.enter_context(mock.patch.object(module, name, _timed(getattr(module, name), name, spent)))
            with Stopwatch() as watch:
                pipeline.process_film(film.pk)
        film.refresh_from_db()
        if film.status != Film.Status.READY:
            raise RuntimeError(f"process_film did not finish the film: {film.status} {film.error!r}")
        for field in film.derived_files():
            field.storage.delete(field.name)
        self.films += 1
        return watch, dict(spent)


def _timed(function, name: str, spent: dict[str, float]):
    @functools.wraps(function)
    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[name] += time.perf_counter() - started

    return timed


if __name__ == "__main__":
    sys.exit(main())
