"""How fast a clip is cut from a 720p playback copy, and whether it starts and ends on the marked frames.

    .venv/bin/python bench/clip_cut.py [--runs 5] [--clip-seconds 30] [--cache /tmp/vig-bench-cache]

Makes a 10-minute 1280x720 25 fps playback copy once (with media.transcode_playback, from lavfi
sources with each frame's number drawn as 16 black/white blocks, as the tests' numbered films, and
a pink-noise-plus-tone sound) and keeps it under --cache, so a rerun starts at once. Then, for a
--clip-seconds clip at several starts (on a keyframe, just after one, just before one, mid-GOP),
alternates --runs times:

  ours      cutting.cut_clip: re-encode the frames before the first keyframe, copy the rest, join;
  copy      plain `ffmpeg -ss S -i playback -t D -c copy clip.mp4`;
  reencode  the whole clip re-encoded with the playback copy's x264 settings and AAC 128k.

Prints median and p90 wall seconds per method (all starts pooled) and per start, the ffmpeg CPU
seconds (steadier than wall time on a shared machine), ours/copy and ours/reencode, and what each
output shows first and last, in frames from the marks: decoded as ffmpeg does (honouring edit
lists) and with -ignore_editlist 1 (as a player that ignores them).
"Clip ready" is ours plus the clip's poster (cutting.make_clip_poster).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import bench_env, machine_lines, median, table, temporary_data_dir

FILM_SECONDS = 600
SIZE = (1280, 720)
RATE = 25
NUMBER_BITS = 16
METHODS = ("ours", "copy", "reencode")
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "vig-bench-cache"  # /tmp/vig-bench-cache


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="rounds per start position (default 5)")
    parser.add_argument("--clip-seconds", type=float, default=30, help="length of each clip (default 30)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help=f"keeps the playback copy ({DEFAULT_CACHE})")
    args = parser.parse_args()
    if args.runs < 1 or not 1 <= args.clip_seconds <= 120:
        parser.error("--runs must be at least 1 and --clip-seconds between 1 and 120")
    try:
        with temporary_data_dir("vig-bench-clip-") as data_dir:
            return run(data_dir, runs=args.runs, clip_seconds=args.clip_seconds, cache=args.cache.resolve())
    except KeyboardInterrupt:
        print("\nInterrupted; the temporary folder has been removed.", file=sys.stderr)
        return 130


def run(data_dir: Path, *, runs: int, clip_seconds: float, cache: Path) -> int:
    os.environ.update(bench_env(data_dir))
    import django

    django.setup()
    from clips import cutting, media

    for line in machine_lines():
        print(line)
    playback = playback_copy(cache, media)
    info = media.probe(playback)
    print(
        f"playback copy: {playback} ({info.width}x{info.height} {info.frame_rate:g} fps, {info.duration:.0f} s, "
        f"{info.size / 1e6:.0f} MB, {info.size * 8 / info.duration / 1e6:.2f} Mbit/s)"
    )
    ffmpeg_binary = os.environ.get("VIG_FFMPEG", "ffmpeg")
    clip_frames = round(clip_seconds * RATE)
    keyframe_every = round(RATE * media.PLAYBACK_KEYFRAME_SECONDS)
    starts = {
        "on a keyframe": 60 * RATE,
        "just after one": 120 * RATE + 1,
        "just before one": 180 * RATE + keyframe_every - 2,
        "one before one": 240 * RATE + keyframe_every - 1,
        "mid-GOP": 300 * RATE + keyframe_every // 2,
    }
    print(f"clip: {clip_frames} frames ({clip_seconds:g} s); {runs} runs per start, methods alternated")
    print()

    out = data_dir / "out"
    out.mkdir()
    wall: dict[str, dict[str, list[float]]] = {m: {name: [] for name in starts} for m in (*METHODS, "ready")}
    cpu: dict[str, list[float]] = {m: [] for m in wall}
    shown: dict[tuple[str, str], tuple[str, str, str, int, int]] = {}
    for round_number in range(runs):
        for name, start in starts.items():
            end = start + clip_frames - 1
            order = METHODS[round_number % 3 :] + METHODS[: round_number % 3]
            for method in order:
                dst = out / f"{method}.mp4"
                dst.unlink(missing_ok=True)
                began, cpu_before = time.perf_counter(), children_cpu()
                if method == "ours":
                    cutting.cut_clip(playback, dst, start_frame=start, end_frame=end, frame_rate=RATE, has_audio=True)
                    cut, cut_cpu = time.perf_counter() - began, children_cpu() - cpu_before
                    cutting.make_clip_poster(dst, out / "poster.jpg")
                    wall["ready"][name].append(time.perf_counter() - began)
                    cpu["ready"].append(children_cpu() - cpu_before)
                    wall["ours"][name].append(cut)
                    cpu["ours"].append(cut_cpu)
                else:
                    command = plain_command(method, playback, dst, start, clip_frames, ffmpeg_binary, media)
                    subprocess.run(command, check=True, capture_output=True, timeout=600)
                    wall[method][name].append(time.perf_counter() - began)
                    cpu[method].append(children_cpu() - cpu_before)
                if round_number == 0:
                    numbers = decoded_numbers(dst)
                    first_ignoring = decoded_numbers(dst, ignore_editlist=True, count=1)[0]
                    shown[method, name] = (
                        f"{numbers[0] - start:+d}",
                        f"{first_ignoring - start:+d}",
                        f"{numbers[-1] - end:+d}",
                        len(numbers),
                        stored_pictures(dst),
                    )
        print(
            f"round {round_number + 1}/{runs}: "
            + ", ".join(f"{m} {statistics.fmean(wall[m][n][-1] for n in starts):.2f} s" for m in METHODS)
            + f" (mean over starts); load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )

    pooled = {m: [v for values in wall[m].values() for v in values] for m in wall}
    print()
    print(f"Cutting a {clip_seconds:g} s clip from the 720p playback copy: wall seconds, all starts pooled")
    rows = []
    for method, label in (
        ("ours", "ours: cut_clip"),
        ("ready", "ours + poster (clip ready)"),
        ("copy", "plain stream copy"),
        ("reencode", "full re-encode"),
    ):
        values = pooled[method]
        rows.append([label, f"{median(values):.3f}", f"{p90(values):.3f}", f"{median(cpu[method]):.3f}", len(values)])
    print(table(["method", "p50 s", "p90 s", "ffmpeg CPU s (p50)", "runs"], rows))
    print(
        f"ours/copy {median(pooled['ours']) / median(pooled['copy']):.1f}x, "
        f"ours/reencode {median(pooled['ours']) / median(pooled['reencode']):.2f}x (p50 ratios)"
    )
    print()
    print("By start position: p50 wall seconds")
    print(
        table(
            ["start", "frame", *METHODS, "ready"],
            [
                [name, start, *(f"{median(wall[m][name]):.3f}" for m in (*METHODS, "ready"))]
                for name, start in starts.items()
            ],
        )
    )
    print()
    print(
        "What each clip shows, in frames from the marks (0 = exact): first frame honouring edit lists / "
        f"ignoring them, last frame; frames shown (expected {clip_frames}) and pictures stored in the file"
    )
    rows = []
    for name, start in starts.items():
        for method in METHODS:
            first, first_ignoring, last, count, stored = shown[method, name]
            rows.append([f"{name} ({start})", method, first, first_ignoring, last, count, stored])
    print(table(["start", "method", "first", "first, no elst", "last", "frames shown", "stored"], rows))
    return 0


def children_cpu() -> float:
    """User + system seconds of every finished child process (ffmpeg, ffprobe) so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[-1] if len(values) > 1 else values[0]


def plain_command(
    method: str, playback: Path, dst: Path, start: int, frames: int, ffmpeg_binary: str, media
) -> list[str]:
    base = [ffmpeg_binary, "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
    seek = ["-ss", f"{start / RATE:.6f}", "-i", str(playback), "-t", f"{frames / RATE:.6f}"]
    if method == "copy":
        return [*base, *seek, "-map", "0:v:0", "-map", "0:a:0", "-c", "copy", "-movflags", "+faststart", str(dst)]
    x264 = [item for key, value in media.playback_x264_options(RATE).items() for item in (f"-{key}", str(value))]
    audio = ["-c:a", "aac", "-b:a", "128k", "-ac", "2"]
    return [*base, *seek, "-map", "0:v:0", "-map", "0:a:0", *x264, *audio, "-movflags", "+faststart", str(dst)]


def stored_pictures(clip: Path) -> int:
    from django.conf import settings

    command = [settings.FFPROBE_BINARY, "-v", "error", "-select_streams", "v:0", "-count_packets"]
    command += ["-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", str(clip)]
    return int(subprocess.run(command, capture_output=True, check=True, timeout=60, text=True).stdout.strip())


def decoded_numbers(clip: Path, *, ignore_editlist: bool = False, count: int | None = None) -> list[int]:
    """The number drawn on each decoded frame (scaled down first: only the blocks matter)."""
    from django.conf import settings

    from clips.tests.media_factory import _pgm_frames, read_frame_number

    command = [settings.FFMPEG_BINARY, "-v", "error", "-nostdin"]
    command += ["-ignore_editlist", "1"] if ignore_editlist else []
    command += ["-i", str(clip), "-map", "0:v:0", "-vf", "scale=320:180,format=gray"]
    command += ["-frames:v", str(count)] if count else []
    command += ["-f", "image2pipe", "-c:v", "pgm", "pipe:1"]
    output = subprocess.run(command, capture_output=True, check=True, timeout=600).stdout
    return [read_frame_number(frame) for frame in _pgm_frames(output)]


# ---------------------------------------------------------------------------
# The playback copy, made once


def playback_copy(cache: Path, media) -> Path:
    """The 10-minute 720p playback copy under cache, made on first use (a few minutes)."""
    path = cache / f"playback-{SIZE[0]}x{SIZE[1]}-{RATE}fps-{FILM_SECONDS}s-bf0.mp4"
    if path.exists():
        return path
    cache.mkdir(parents=True, exist_ok=True)
    source = cache / "source.mp4"
    began = time.monotonic()
    print(f"Making the playback copy once (kept in {cache}) ...", flush=True)
    subprocess.run(source_command(source, os.environ.get("VIG_FFMPEG", "ffmpeg")), check=True, timeout=3600)
    partial = cache / "playback.partial.mp4"
    media.transcode_playback(source, partial, media.probe(source), timeout=3600)
    partial.rename(path)
    source.unlink()
    print(f"... made in {time.monotonic() - began:.0f} s", flush=True)
    return path


def source_command(path: Path, ffmpeg_binary: str) -> list[str]:
    """A moving test picture with the frame number drawn big and as 16 blocks across the top eighth
    (most significant bit first, as media_factory.numbered_frames_mp4), and a pink-noise-plus-tone sound."""
    width, height = SIZE
    band, block = height // 8, width // NUMBER_BITS
    boxes = [f"drawbox=x=0:y=0:w={width}:h={band}:color=black:t=fill"]
    for i in range(NUMBER_BITS):
        bit = NUMBER_BITS - 1 - i
        boxes.append(
            f"drawbox=x={i * block}:y=0:w={block}:h={band}:color=white:t=fill:enable='mod(floor(n/{2**bit}),2)'"
        )
    number = (
        "drawtext=fontfile=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf:text='%{frame_num}':fontsize=160"
        ":fontcolor=white:box=1:boxcolor=black@0.5:x=(w-tw)/2:y=(h-th)/2"
    )
    picture = f"testsrc2=size={width}x{height}:rate={RATE}:duration={FILM_SECONDS}," + ",".join([*boxes, number])
    sound = (
        f"anoisesrc=color=pink:amplitude=0.05:sample_rate=48000:duration={FILM_SECONDS}[noise];"
        f"sine=frequency=330:sample_rate=48000:duration={FILM_SECONDS}[tone];"
        "[noise][tone]amix=inputs=2,aformat=channel_layouts=stereo[out0]"
    )
    return [
        ffmpeg_binary, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", picture,
        "-f", "lavfi", "-i", sound,
        "-c:v", "libx264", "-preset", "ultrafast", "-crf", "16", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "192k",
        str(path),
    ]  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
