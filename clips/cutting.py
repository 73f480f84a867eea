"""Cutting a clip out of a film's playback copy: frame-exact, and fast enough to feel immediate.

A clip runs from its first marked frame to its last, both included. Re-encoding
the whole clip would be exact but slow (seconds for half a minute of 720p);
copying the compressed frames is fast but can only start on a keyframe, and a
plain `ffmpeg -ss ... -c copy` either starts on the keyframe before the mark
(showing frames that were not chosen) or hides them behind an edit list that
some players ignore. So `cut_clip` does both:

    start            K (first keyframe after start)                  end
      |-- head: re-encoded --|-- rest: copied as it is ----------------|

The playback copy is made for this (media.PLAYBACK_X264): no B-frames, so
frames are stored in display order and a copy may stop on any frame; a
keyframe every second, so the head is at most about a second of pictures; and
the same x264 settings for the head as for the copy, so the head's SPS/PPS
(the headers a decoder reads first) are byte for byte the copy's, and the two
halves join into one H.264 stream: one timebase, no gap, no repeated frame,
no edit list. The sound is re-encoded for exactly the clip's time, so it stays
in sync; it is encoded while the pictures are worked out.

Nothing is assumed that can be checked cheaply: ffprobe reads the packet index
around both marks (no decoding) to find the keyframes and confirm the marked
frames exist, and the two halves' headers are compared before joining. A
playback copy this does not fit (an older one with B-frames, or other
headers) still gets an exact clip, by re-encoding all of it, only slower.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import ffmpeg
from django.conf import settings

from . import media

logger = logging.getLogger(__name__)

AUDIO_BITRATE = "128k"
# ffmpeg's default AAC coder (twoloop) needs ~0.45 s for 30 s of sound here, more
# than the pictures; "fast" needs ~0.27 s and at 128k a second generation of
# speech stays clean (measurements in bench/README.md).
AAC_CODER = "fast"
NAL_SPS, NAL_PPS, NAL_IDR_SLICE = 7, 8, 5
SHORT_CLIP = "no keyframe to copy from inside the clip"


class MarksNotInFilm(media.MediaError, ValueError):
    """The marks are not frames of this film (or not in order). Never worth retrying."""


@dataclass(frozen=True)
class CutPlan:
    """Which frames are re-encoded and which are copied; frame numbers, both ends included."""

    start_frame: int
    end_frame: int
    copy_from: int | None  # a keyframe; None: re-encode the whole clip
    why_reencoded: str = ""

    @property
    def frame_count(self) -> int:
        return self.end_frame - self.start_frame + 1

    @property
    def head_frames(self) -> int:
        """How many frames are re-encoded, from start_frame on."""
        return self.frame_count if self.copy_from is None else self.copy_from - self.start_frame

    @property
    def rest_frames(self) -> int:
        """How many frames are copied, from copy_from on."""
        return 0 if self.copy_from is None else self.end_frame - self.copy_from + 1

    def reencoded(self, why: str) -> CutPlan:
        return CutPlan(self.start_frame, self.end_frame, None, why)


def cut_clip(
    playback: Path,
    dst: Path,
    *,
    start_frame: int,
    end_frame: int,
    frame_rate: float,
    has_audio: bool,
    timeout: float | None = None,
) -> None:
    """Write frames start_frame..end_frame (both included) of the playback copy, with their sound,
    to dst as an MP4 that starts on start_frame at time 0 and plays in browsers and phones.

    dst is replaced only once the clip is whole. Raises MarksNotInFilm if the marks are not
    frames of this film, media.MediaProcessingError if ffmpeg fails. timeout applies to
    each ffmpeg run (default: a minute plus six times the clip's length).
    """
    playback, dst = Path(playback), Path(dst)
    if not 0 <= start_frame <= end_frame:
        raise MarksNotInFilm(f"A clip runs from a frame to the same or a later one, not {start_frame} to {end_frame}.")
    frames = end_frame - start_frame + 1
    if timeout is None:
        timeout = 60 + 6 * frames / frame_rate
    with media.scratch_folder() as folder, _SideBySide(timeout=timeout) as runs:
        sound = folder / "sound.m4a" if has_audio else None
        if sound:
            runs.start(sound_command(playback, sound, start_frame=start_frame, frames=frames, frame_rate=frame_rate))
        plan = plan_cut(playback, start_frame=start_frame, end_frame=end_frame, frame_rate=frame_rate, timeout=timeout)
        video = _cut_video(playback, folder, plan, frame_rate=frame_rate, runs=runs)
        runs.wait()
        with media._written_atomically(dst) as partial:
            media.run_ffmpeg(mux_command(video, sound, partial, frame_rate=frame_rate), timeout=timeout)


def _cut_video(playback: Path, folder: Path, plan: CutPlan, *, frame_rate: float, runs: _SideBySide) -> Path:
    """The clip's pictures as one raw H.264 stream in folder: the head's bytes, then the rest's."""
    head, rest = folder / "head.h264", folder / "rest.h264"
    if plan.copy_from is None and plan.why_reencoded != SHORT_CLIP:
        logger.warning(
            "Re-encoding all of clip %d-%d of %s: %s", plan.start_frame, plan.end_frame, playback, plan.why_reencoded
        )
    if plan.head_frames:
        runs.start(head_command(playback, head, plan=plan, frame_rate=frame_rate))
    if plan.rest_frames:
        runs.start(rest_command(playback, rest, plan=plan, frame_rate=frame_rate))
    runs.wait()
    if not plan.head_frames:
        return rest
    if plan.rest_frames:
        mismatch = _why_not_joinable(head, rest)
        if mismatch:
            logger.warning(
                "Re-encoding all of clip %d-%d of %s: %s", plan.start_frame, plan.end_frame, playback, mismatch
            )
            runs.start(head_command(playback, head, plan=plan.reencoded(mismatch), frame_rate=frame_rate))
            runs.wait()
            return head
        with head.open("ab") as joined, rest.open("rb") as copied:
            shutil.copyfileobj(copied, joined, 1 << 20)
    return head


class _SideBySide:
    """ffmpeg runs side by side, one thread each: the sound's encoder, x264 and a stream copy
    overlap well on two cores. Leaving the block waits for them all; after an error it stops
    them first, so a refused mark does not wait for the sound."""

    def __init__(self, *, timeout: float):
        self._timeout = timeout
        self._pool = ThreadPoolExecutor(max_workers=3, thread_name_prefix="cut-clip")
        self._pending: list[Future] = []
        self._processes: list[subprocess.Popen] = []

    def __enter__(self) -> _SideBySide:
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        if exc_type is not None:
            for process in list(self._processes):
                if process.poll() is None:
                    process.kill()  # run_ffmpeg reaps it and raises, into a future nobody reads
        self._pool.shutdown(wait=True, cancel_futures=True)

    def start(self, args: list[str]) -> None:
        future = self._pool.submit(
            media.run_ffmpeg, args, timeout=self._timeout, process_started=self._processes.append
        )
        self._pending.append(future)

    def wait(self) -> None:
        """Wait for every run started so far; raise the first failure."""
        pending, self._pending = self._pending, []
        for future in pending:
            future.result()


# ---------------------------------------------------------------------------
# Finding the keyframes


def plan_cut(playback: Path, *, start_frame: int, end_frame: int, frame_rate: float, timeout: float = 30) -> CutPlan:
    """Read the packet index around the marks (ffprobe, no decoding) and choose where copying starts:
    the first keyframe at or after start_frame, unless that is the very next frame.

    (A one-frame head would be an IDR picture right before another IDR picture
    with, half the time, the same idr_pic_id; decoders that find picture
    boundaries from slice headers could merge the two. A head of two or more
    frames ends on a P picture, so the head then runs up to the next keyframe.)
    """
    keyframe_every = max(1, round(frame_rate * media.PLAYBACK_KEYFRAME_SECONDS))
    window_end = min(end_frame, start_frame + 2 * keyframe_every + 1)
    command = keyframe_probe_command(
        playback, intervals=[(start_frame, window_end), (end_frame, end_frame)], frame_rate=frame_rate
    )
    report = _ffprobe(command, timeout=timeout)
    stream = (report.get("streams") or [{}])[0]
    time_base = _fraction(stream.get("time_base"))
    stored_rate = _fraction(stream.get("r_frame_rate"))
    if stream.get("codec_name") != "h264" or not time_base:
        raise media.MediaProcessingError("The playback copy has no H.264 video to cut a clip from.")
    if stored_rate and abs(stored_rate - frame_rate) > 0.01:
        raise MarksNotInFilm(f"The playback copy runs at {stored_rate:g} frames a second, not {frame_rate:g}.")

    frames: set[int] = set()
    keyframes: set[int] = set()
    off_grid = reordered = False
    for packet in report.get("packets") or []:
        if packet.get("pts") is None:
            continue
        exact = int(packet["pts"]) * time_base * frame_rate
        frame = round(exact)
        off_grid |= abs(exact - frame) > 0.01
        reordered |= packet.get("dts") != packet.get("pts")
        frames.add(frame)
        if "K" in packet.get("flags", ""):
            keyframes.add(frame)
    for mark in (start_frame, end_frame):
        if mark not in frames:
            raise MarksNotInFilm(f"The playback copy has no frame {mark}.")

    plan = CutPlan(start_frame, end_frame, None)
    if int(stream.get("has_b_frames") or 0) or reordered:
        return plan.reencoded("the playback copy stores frames out of order (B-frames)")
    if off_grid:
        return plan.reencoded("the playback copy's frames are not on a constant frame-rate grid")
    candidates = sorted(k for k in keyframes if start_frame <= k <= end_frame and k != start_frame + 1)
    if not candidates:
        return plan.reencoded(SHORT_CLIP)
    return CutPlan(start_frame, end_frame, candidates[0])


def keyframe_probe_command(playback: Path, *, intervals: list[tuple[int, int]], frame_rate: float) -> list[str]:
    """ffprobe reading the packets (timestamps and keyframe flags only) of the given frame ranges.

    Each range is read from the keyframe at or before its first frame, so it
    includes every packet of the range.
    """
    spans = ",".join(
        f"{max(0.0, (first - 0.5) / frame_rate):.6f}%{(last + 0.5) / frame_rate:.6f}" for first, last in intervals
    )
    return [
        settings.FFPROBE_BINARY,
        "-hide_banner",
        "-loglevel",
        "error",
        "-select_streams",
        "v:0",
        "-show_entries",
        "stream=codec_name,time_base,r_frame_rate,has_b_frames:packet=pts,dts,flags",
        "-read_intervals",
        spans,
        "-of",
        "json",
        *media._as_args(media.INPUT_OPTIONS),
        "-i",
        media._url(playback),
    ]


def _ffprobe(command: list[str], *, timeout: float) -> dict:
    with media.scratch_folder() as cwd:
        try:
            done = subprocess.run(command, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            raise media.MediaProcessingError(
                f"ffprobe took longer than {timeout:g} seconds and was stopped.",
                stderr_tail=media._tail(e.stderr),
                timed_out=True,
            ) from None
        except OSError as e:
            raise media.MediaProcessingError(f"Could not start ffprobe: {e.strerror}") from e
    if done.returncode != 0:
        raise media.MediaProcessingError(
            "ffprobe could not read the playback copy.",
            stderr_tail=media._tail(done.stderr),
            returncode=done.returncode,
        )
    try:
        return json.loads(done.stdout)
    except ValueError:
        raise media.MediaProcessingError("ffprobe's report on the playback copy was unreadable.") from None


def _fraction(value: str | None) -> float:
    numerator, _, denominator = (value or "").partition("/")
    try:
        return float(numerator) / float(denominator) if float(denominator or 0) else 0.0
    except ValueError:
        return 0.0


# ---------------------------------------------------------------------------
# The ffmpeg commands


def head_command(playback: Path, out: Path, *, plan: CutPlan, frame_rate: float) -> list[str]:
    """Re-encode plan.head_frames frames from start_frame on, with the playback copy's own x264
    settings, as a raw H.264 stream.

    ffmpeg seeks to the keyframe before, decodes from there and drops every
    frame before the -ss time; half a frame early, so rounding cannot drop the
    start frame itself.
    """
    seek = max(0.0, (plan.start_frame - 0.5) / frame_rate)
    source = ffmpeg.input(media._url(playback), ss=f"{seek:.6f}", **media.INPUT_OPTIONS)
    options = {
        **media.playback_x264_options(frame_rate),
        "frames:v": plan.head_frames,
        "fps_mode": "passthrough",  # the raw h264 muxer would otherwise get constant-rate frame dropping
        "f": "h264",
        **media.OUTPUT_OPTIONS,
    }
    return ffmpeg.output(media._video(source, None), media._url(out), **options).get_args()


def rest_command(playback: Path, out: Path, *, plan: CutPlan, frame_rate: float) -> list[str]:
    """Copy plan.rest_frames frames from the keyframe plan.copy_from on, as a raw H.264 stream.

    With stream copy, -ss lands on the keyframe at or before its time; aiming
    half a frame after the keyframe means rounding cannot land on the one before.
    h264_mp4toannexb puts the SPS/PPS in front of each keyframe, as a raw stream needs.
    """
    if plan.copy_from is None:
        raise ValueError("This plan copies nothing.")
    seek = (plan.copy_from + 0.5) / frame_rate
    source = ffmpeg.input(media._url(playback), ss=f"{seek:.6f}", **media.INPUT_OPTIONS)
    options = {
        "c:v": "copy",
        "bsf:v": "h264_mp4toannexb",
        "frames:v": plan.rest_frames,
        "f": "h264",
        **media.OUTPUT_OPTIONS,
    }
    return ffmpeg.output(media._video(source, None), media._url(out), **options).get_args()


def sound_command(playback: Path, out: Path, *, start_frame: int, frames: int, frame_rate: float) -> list[str]:
    """The sound of exactly the clip's time, [start_frame, start_frame + frames) / frame_rate,
    re-encoded as AAC in an M4A file. (Decoding with -ss before -i is sample-accurate.)"""
    source = ffmpeg.input(
        media._url(playback),
        ss=f"{start_frame / frame_rate:.6f}",
        t=f"{frames / frame_rate:.6f}",
        **media.INPUT_OPTIONS,
    )
    options = {
        "c:a": "aac",
        "aac_coder": AAC_CODER,
        "b:a": AUDIO_BITRATE,
        "ac": 2,
        "map_metadata": -1,
        "f": "mp4",
        **media.OUTPUT_OPTIONS,
    }
    return ffmpeg.output(source["a:0"], media._url(out), **options).get_args()


def mux_command(video: Path, sound: Path | None, out: Path, *, frame_rate: float) -> list[str]:
    """Put the raw H.264 stream and the sound in one MP4, both copied as they are.

    A raw stream has no timestamps: the demuxer numbers its frames at
    frame_rate from 0, so frame n is shown at n / frame_rate and the video
    needs no edit list.
    """
    pictures = ffmpeg.input(media._url(video), f="h264", framerate=f"{frame_rate:g}", **media.SCRATCH_INPUT_OPTIONS)
    streams = [pictures["v:0"]]
    if sound:
        streams.append(ffmpeg.input(media._url(sound), **media.INPUT_OPTIONS)["a:0"])
    options: dict[str, object] = {
        "c": "copy",
        "video_track_timescale": round(frame_rate * 512),  # as the playback copy: whole ticks per frame
        "map_metadata": -1,
        "map_chapters": -1,
        "movflags": "+faststart",
        "f": "mp4",
        **media.OUTPUT_OPTIONS,
    }
    return ffmpeg.output(*streams, media._url(out), **options).get_args()


# ---------------------------------------------------------------------------
# Joining raw H.264 streams


def _why_not_joinable(head: Path, rest: Path) -> str:
    """Empty if the rest can follow the head in one stream: same SPS/PPS, rest starting on an IDR picture."""
    head_sets, _ = _first_parameter_sets(head)
    rest_sets, first_picture = _first_parameter_sets(rest)
    if not head_sets or head_sets != rest_sets:
        return "the re-encoded frames' SPS/PPS differ from the playback copy's"
    if first_picture != NAL_IDR_SLICE:
        return "the copied frames do not start on an IDR picture"
    return ""


def _first_parameter_sets(path: Path, *, read_bytes: int = 64 * 1024) -> tuple[list[bytes], int | None]:
    """The SPS and PPS NAL units before the first picture of a raw H.264 stream, and that picture's NAL type."""
    with path.open("rb") as f:
        data = f.read(read_bytes)
    sets = []
    for unit in _nal_units(data):
        kind = unit[0] & 0x1F if unit else 0
        if kind in (NAL_SPS, NAL_PPS):
            sets.append(unit)
        elif 1 <= kind <= 5:
            return sets, kind
    return sets, None


def _nal_units(data: bytes):
    """NAL units of an Annex B byte stream (start codes 00 00 01 or 00 00 00 01), without trailing zeros."""
    position = data.find(b"\x00\x00\x01")
    while position != -1:
        begin = position + 3
        position = data.find(b"\x00\x00\x01", begin)
        end = len(data) if position == -1 else position
        yield data[begin:end].rstrip(b"\x00")


# ---------------------------------------------------------------------------
# Stills and posters


def make_still(playback: Path, dst: Path, *, frame: int, frame_rate: float, timeout: float = 60) -> None:
    """A JPEG of exactly one frame (decoded from the keyframe before it), with no metadata."""
    if frame < 0:
        raise MarksNotInFilm(f"There is no frame {frame}.")
    with media._written_atomically(Path(dst)) as partial:
        media.run_ffmpeg(still_command(Path(playback), partial, frame=frame, frame_rate=frame_rate), timeout=timeout)
        if partial.stat().st_size == 0:
            raise MarksNotInFilm(f"The film has no frame {frame}.")


def still_command(playback: Path, out: Path, *, frame: int, frame_rate: float) -> list[str]:
    seek = max(0.0, (frame - 0.5) / frame_rate)  # half a frame early: see head_command
    source = ffmpeg.input(media._url(playback), ss=f"{seek:.6f}", **media.INPUT_OPTIONS)
    picture = media._video(source, None).filter("format", "yuvj420p")
    return ffmpeg.output(picture, media._url(out), **media._jpeg_options(quality=3)).get_args()


def make_clip_poster(clip: Path, dst: Path, *, timeout: float = 60) -> None:
    """A JPEG of a clip's first frame, which is its start frame."""
    media.make_poster(Path(clip), Path(dst), at_seconds=0, timeout=timeout)
