"""How long a Traject Letter's PDF takes and how much memory it needs, next to WeasyPrint alone.

    .venv/bin/python bench/letter_render.py [--runs 15] [--memory-runs 3]

In a fresh temporary VIG_DATA_DIR, builds one case with a Helping Question, two goals with start,
hoped-for, two review and end scores (its server-rendered SVG chart), the four descriptions,
a long account of progress, and five stills: real JPEGs of a 1280x720 film made by ffmpeg's lavfi
sources, cut with the still maker the product uses (cutting.make_still). The letter is finalised
through letters.services (the render it would queue is not sent: the bench renders it itself).
The PDF must have 3 pages. Then alternates, --runs times, after one warm-up of each:

  weasyprint  weasyprint.HTML(string=html).write_pdf(), where html is the letter's own HTML
              (rendering.letter_html(letter, for_pdf=True)), made once beforehand;
  options     the same, with our data-only URL fetcher and PDF options (PDF/UA-1, tagged):
              what WeasyPrint costs for an accessible PDF, without our code around it;
  ours        rendering.pdf_bytes(letter): the HTML built from the frozen content (stills read
              through the storage API into data: URIs), the data-only URL fetcher, PDF/UA-1 with
              tags, metadata;
  html        rendering.letter_html alone (the part of "ours" before WeasyPrint);
  task        rendering.render_letter_pdf: claim the lease, pdf_bytes, save through storage,
              mark ready (what the worker runs).

Prints median and p95 wall seconds, the median CPU seconds of this process (everything runs in
it: steadier than wall time when neighbours are busy), and ours / weasyprint. Memory is measured in subprocesses,
one per measurement, --memory-runs times per method (each a fresh Python that has imported
Django, WeasyPrint and the letter code and loaded the letter, like a worker between tasks):

  peak RSS    VmHWM of the process after one render (Linux /proc; includes the interpreter);
  growth      VmHWM after the render minus VmRSS just before it, VmHWM reset first
              (/proc/self/clear_refs); first render in the process, then a second one;
  Python peak tracemalloc's peak for a third render: memory Python allocates, not what the C
              libraries under WeasyPrint (Pango, HarfBuzz, cairo-free pydyf aside) allocate.

MB is 10^6 bytes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from unittest import mock

from _common import (
    REPO,
    bench_env,
    create_practitioner_case,
    machine_lines,
    median,
    setup_django,
    table,
    temporary_data_dir,
)

METHODS = ("weasyprint", "options", "ours", "html", "task")
MEMORY_METHODS = ("weasyprint", "ours")
STILLS = 5
PAGES = 3
MB = 10**6

ACCOUNT = (
    "When we started, you told me that mornings were a battle and that you were never sure what {child} "
    "was feeling. In the films we watched together we saw something different: {child} coming back to you, "
    "again and again, to show you what they had made, and you noticing.\n\n"
    "In the first film you waited while {child} chose what to do. You said you had not realised how much "
    "you wait for them now, and that when you waited they came back to you. In the second film there was "
    "much more turn-taking: you laughed at the same time, and you used their words back to them.\n\n"
    "By the third film you were building on what {child} started rather than starting for them. You told me "
    "that bedtimes are calmer and that {child} now tells you one thing about school most days."
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="timed rounds of every method (default 15)")
    parser.add_argument("--memory-runs", type=int, default=3, help="subprocesses per method for memory (default 3)")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # internal: one memory measurement
    parser.add_argument("--letter", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return measure_memory_in_this_process(args.child, args.letter)
    if args.runs < 2 or args.memory_runs < 1:
        parser.error("--runs must be at least 2 and --memory-runs at least 1")
    try:
        with temporary_data_dir("vig-bench-letter-") as data_dir:
            return run(data_dir, runs=args.runs, memory_runs=args.memory_runs)
    except KeyboardInterrupt:
        print("\nInterrupted; the temporary folder has been removed.", file=sys.stderr)
        return 130


def run(data_dir: Path, *, runs: int, memory_runs: int) -> int:
    setup_django(data_dir)
    import weasyprint

    from letters import rendering
    from letters.models import TrajectLetter

    for line in machine_lines()[:2]:
        print(line)
    print(f"weasyprint: {weasyprint.__version__}")

    began = time.perf_counter()
    letter = make_letter(data_dir)
    html = rendering.letter_html(letter, for_pdf=True)
    pdf = rendering.pdf_bytes(letter)
    pages = pdf_pages(pdf, data_dir)
    print(
        f"letter: {pages} pages, {len(letter.content['goals'])} goal chart, {len(letter.content['stills'])} stills "
        f"({still_sizes(letter)}), HTML {len(html) / 1e3:.0f} kB, PDF {len(pdf) / 1e3:.0f} kB; "
        f"made in {time.perf_counter() - began:.1f} s"
    )
    if pages != PAGES:
        print(f"FAIL: the letter has {pages} pages, not {PAGES}; adjust make_letter.")
        return 1

    def render_task():
        # Waiting again, as a fresh render: attempts back to 0, or MAX_ATTEMPTS would stop it.
        TrajectLetter.objects.filter(pk=letter.pk).update(render_status="processing", lease_until=None, attempts=0)
        rendering.render_letter_pdf(letter.pk)
        if TrajectLetter.objects.filter(pk=letter.pk, render_status="ready").count() != 1:
            raise RuntimeError("render_letter_pdf did not finish the letter")

    work = {
        "weasyprint": lambda: weasyprint.HTML(string=html).write_pdf(),
        "options": lambda: weasyprint.HTML(string=html, url_fetcher=rendering.url_fetcher(), base_url=None).write_pdf(
            **rendering.PDF_OPTIONS
        ),
        "ours": lambda: rendering.pdf_bytes(letter),
        "html": lambda: rendering.letter_html(letter, for_pdf=True),
        "task": render_task,
    }
    for method in METHODS:  # warm-up: fonts, template caches, the first database reads
        work[method]()

    wall: dict[str, list[float]] = {m: [] for m in METHODS}
    cpu: dict[str, list[float]] = {m: [] for m in METHODS}
    for round_number in range(runs):
        order = METHODS[round_number % len(METHODS) :] + METHODS[: round_number % len(METHODS)]
        for method in order:
            started, cpu_started = time.perf_counter(), time.process_time()
            work[method]()
            wall[method].append(time.perf_counter() - started)
            cpu[method].append(time.process_time() - cpu_started)
        if (round_number + 1) % 5 == 0 or round_number + 1 == runs:
            print(
                f"round {round_number + 1}/{runs}: "
                + ", ".join(f"{m} {wall[m][-1]:.3f} s" for m in METHODS)
                + f"; load average {os.getloadavg()[0]:.1f}",
                flush=True,
            )

    memory = {m: [child_memory(m, letter.pk, data_dir) for _ in range(memory_runs)] for m in MEMORY_METHODS}

    base = median(wall["weasyprint"])
    print()
    print(f"PDF of a {pages}-page Traject Letter with a goal chart and {STILLS} stills")
    labels = {
        "weasyprint": "WeasyPrint alone, same HTML",
        "options": "WeasyPrint + our PDF options",
        "ours": "ours: rendering.pdf_bytes",
        "html": "  of which letter_html",
        "task": "task: render_letter_pdf",
    }
    print(
        table(
            ["method", "median s", "p95 s", "vs WeasyPrint", "CPU s (median)", "CPU vs WeasyPrint", "runs"],
            [
                [
                    labels[m],
                    f"{median(wall[m]):.3f}",
                    f"{p95(wall[m]):.3f}",
                    f"{median(wall[m]) / base:.2f}x",
                    f"{median(cpu[m]):.3f}",
                    f"{median(cpu[m]) / median(cpu['weasyprint']):.2f}x",
                    len(wall[m]),
                ]
                for m in METHODS
            ],
        )
    )
    print()
    print(f"Memory, median of {memory_runs} fresh processes per method (VmHWM from /proc; tracemalloc)")
    rows = []
    for method in MEMORY_METHODS:
        values = memory[method]
        rows.append(
            [
                labels[method],
                f"{median([v['idle'] for v in values]) / MB:.1f}",
                f"{median([v['peak_first'] for v in values]) / MB:.1f}",
                f"{median([v['growth_first'] for v in values]) / MB:+.1f}",
                f"{median([v['growth_second'] for v in values]) / MB:+.1f}",
                f"{median([v['python_peak'] for v in values]) / MB:.1f}",
            ]
        )
    print(
        table(
            ["method", "idle RSS MB", "peak RSS MB", "growth, 1st render", "growth, 2nd", "Python peak MB"],
            rows,
        )
    )
    ours_growth = median([v["growth_first"] for v in memory["ours"]])
    plain_growth = median([v["growth_first"] for v in memory["weasyprint"]])
    time_p95 = p95(wall["ours"]) / p95(wall["weasyprint"])
    print(
        f"ours / WeasyPrint: time {median(wall['ours']) / base:.2f}x (median), {time_p95:.2f}x (p95); "
        f"first-render growth {ours_growth / plain_growth:.2f}x"
    )
    return 0


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


# ---------------------------------------------------------------------------
# The letter


def make_letter(data_dir: Path):
    """A finalised letter on a case with a charted goal, all four descriptions and five real stills."""
    from django.core.files import File
    from django.db import transaction
    from django.utils import timezone

    from cases.models import Goal, GoalRating, HelpingQuestion, RelationshipDescription
    from clips import cutting
    from clips.models import Clip, Film, Still
    from letters import services

    user, case = create_practitioner_case()
    today = timezone.localdate()
    HelpingQuestion.objects.create(
        case=case, text="How can I help Sam to tell me about his day?", agreed_on=today, recorded_by=user
    )
    for position, (text, scores) in enumerate(
        (("Sam tells me one thing about school each day", (2, 8, 4, 6, 7)),), start=1
    ):
        goal = Goal.objects.create(case=case, description=text, position=position)
        start, hoped, review1, review2, end = scores
        for phase, score, number in (
            (GoalRating.Phase.BASELINE, start, None),
            (GoalRating.Phase.HOPED_FOR, hoped, None),
            (GoalRating.Phase.REVIEW, review1, 1),
            (GoalRating.Phase.REVIEW, review2, 2),
            (GoalRating.Phase.END, end, None),
        ):
            GoalRating.objects.create(
                goal=goal, phase=phase, score=score, review_number=number, rated_on=today, recorded_by=user
            )
    for moment, subject, text in (
        ("before", "child", "Sam is always on the go and says 'nothing' when I ask about school."),
        ("after", "child", "Sam is funny and chatty; he tells me about his friends at tea time."),
        ("before", "relationship", "We rush everything and end up cross with each other."),
        ("after", "relationship", "We slow down and laugh together; I wait and he comes to me."),
    ):
        RelationshipDescription.objects.create(case=case, moment=moment, subject=subject, text=text, recorded_on=today)

    film = Film.objects.create(
        case=case, recorded_on=today, activity="Reading together", status=Film.Status.READY, frame_rate=25
    )
    clip = Clip.objects.create(film=film, start_frame=0, end_frame=124, status=Clip.Status.READY, created_by=user)
    source = data_dir / "film.mp4"
    make_film(source)
    for number in range(STILLS):
        image = data_dir / f"still-{number}.jpg"
        cutting.make_still(source, image, frame=10 + number * 25, frame_rate=25)
        still = Still.objects.create(
            clip=clip, frame=10 + number * 25, caption=f"Moment {number + 1}: Sam looks up to see if you noticed"
        )
        with image.open("rb") as fh:
            still.image.save(still.storage_name(), File(fh), save=False)
        Still.objects.filter(pk=still.pk).update(image=still.image.name, status=Still.Status.READY)

    # The patch outlives the transaction, whose commit is when finalise queues the render.
    with mock.patch("letters.tasks.render_letter_pdf_task.delay") as queued, transaction.atomic():
        letter = services.start_draft(case, user)
        letter.account_of_progress = ACCOUNT.format(child="Sam")
        letter.ideas_for_future = "Keep reading together at bedtime. Wait for Sam to start, then follow his lead."
        letter.save()
        letter.stills.set(services.ready_stills(case))
        services.finalise(letter, user)
    queued.assert_called_once_with(letter.pk)
    letter.refresh_from_db()
    return letter


def make_film(path: Path) -> None:
    """5 s of a moving 1280x720 test picture (the size of a playback copy) from ffmpeg's lavfi source."""
    from django.conf import settings

    command = [
        settings.FFMPEG_BINARY, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25:duration=5",
        "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", str(path),
    ]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True, timeout=120)


def still_sizes(letter) -> str:
    from clips.models import Still

    sizes = [s.image.size for s in Still.objects.filter(pk__in=[s["id"] for s in letter.content["stills"]])]
    return f"JPEG 1280x720, {min(sizes) / 1e3:.0f}-{max(sizes) / 1e3:.0f} kB each"


def pdf_pages(pdf: bytes, data_dir: Path) -> int:
    path = data_dir / "letter.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(
        [shutil.which("pdfinfo") or "pdfinfo", str(path)], check=True, capture_output=True, text=True
    ).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


# ---------------------------------------------------------------------------
# Memory, one fresh process per measurement


def child_memory(method: str, letter_id: int, data_dir: Path) -> dict:
    command = [sys.executable, __file__, "--child", method, "--letter", str(letter_id)]
    done = subprocess.run(command, cwd=REPO, env=bench_env(data_dir), capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"memory child for {method} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_memory_in_this_process(method: str, letter_id: int) -> int:
    import django

    django.setup()
    import weasyprint

    from letters import rendering
    from letters.models import TrajectLetter

    letter = TrajectLetter.objects.select_related("case").get(pk=letter_id)
    html = rendering.letter_html(letter, for_pdf=True)
    render = {
        "weasyprint": lambda: weasyprint.HTML(string=html).write_pdf(),
        "ours": lambda: rendering.pdf_bytes(letter),
    }[method]

    result = {}
    for attempt in ("first", "second"):
        reset_peak()
        idle = status()["VmRSS"]
        render()
        after = status()
        result[f"growth_{attempt}"] = after["VmHWM"] - idle
        if attempt == "first":
            result["idle"], result["peak_first"] = idle, after["VmHWM"]
    tracemalloc.start()
    render()
    result["python_peak"] = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(json.dumps(result))
    return 0


def status() -> dict[str, int]:
    text = Path("/proc/self/status").read_text()
    return {k: int(v) * 1024 for k, v in re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", text, re.M)}


def reset_peak() -> None:
    """Set VmHWM back to the current RSS (Linux >= 4.0)."""
    Path("/proc/self/clear_refs").write_text("5")


if __name__ == "__main__":
    sys.exit(main())
