"""What the film pipeline asks of ffprobe and ffmpeg: plain functions over file paths.

Films are personal data about children and arrive from anyone with an account,
so nothing about an uploaded file is trusted until ffprobe has read it, and
every ffprobe/ffmpeg run is fenced in the same way:

- each input that reads user data gets `-protocol_whitelist file` and a demuxer
  whitelist of the MP4/MOV and Matroska/WebM families only, so a "film" that is
  really an HLS playlist or a concat list can never make ffmpeg open other
  files (the known local-file-read attack); `run_ffmpeg` refuses a command
  whose inputs are not fenced;
- each output gets `-protocol_whitelist file`;
- each run has a timeout, after which the process is killed, and runs in an
  empty private scratch folder that is removed afterwards;
- outputs are written to a temporary name next to `dst` and moved into place
  only when ffmpeg has finished, so `dst` is never a half-written file.

Nothing here reads a whole file into memory: only a 4 KiB header sniff, and
ffprobe/ffmpeg stream the rest.
"""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import json
import logging
import math
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import ffmpeg
from django.conf import settings

logger = logging.getLogger(__name__)

# Demuxers we let read user data: the MP4/MOV family and Matroska/WebM. No
# playlists (hls, dash), no lists of other files (concat), no raw images.
ACCEPTED_FORMATS = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm"
INPUT_OPTIONS = {"protocol_whitelist": "file", "format_whitelist": ACCEPTED_FORMATS}
OUTPUT_OPTIONS = {"protocol_whitelist": "file"}
# Our own intermediates, never an upload: clips/cutting.py joins two raw H.264
# streams it wrote into its scratch folder and has ffmpeg read the result with
# the raw "h264" demuxer. That demuxer reads the one file it is given and names
# no other, so it cannot be turned into a local-file read; even so, run_ffmpeg
# allows it only for a file inside VIG_SCRATCH_DIR. ACCEPTED_FORMATS, for
# everything else, does not change.
SCRATCH_FORMATS = "h264"
SCRATCH_INPUT_OPTIONS = {"protocol_whitelist": "file", "format_whitelist": SCRATCH_FORMATS}

FILM_CODECS = frozenset({"h264", "hevc", "vp8", "vp9", "av1", "mpeg4", "prores"})
STILL_PICTURE_CODECS = frozenset({"mjpeg", "png", "bmp", "gif", "webp", "tiff", "jpeg2000", "jpegls"})
HDR_TRANSFERS = frozenset({"arib-std-b67", "smpte2084"})  # HLG, PQ

PLAYBACK_KEYFRAME_SECONDS = 1.0
PLAYBACK_MAX_SHORT_SIDE = 1080
PLAYBACK_MAX_LONG_SIDE = 1920  # keeps a tall screen recording within H.264 level 4.x
PLAYBACK_FRAME_RATES = (15, 24, 25, 30, 50, 60)
# How the playback copy's pictures are encoded. Clips are cut from the playback
# copy by copying it from a keyframe on and re-encoding only the frames before
# that keyframe (clips/cutting.py), so the re-encoded frames must carry the very
# same SPS and PPS (the headers a decoder reads first). Everything that shapes
# those headers lives here and in playback_x264_options(), used by both encodes:
# - bf 0: no B-frames, so frames are stored in display order and a copy may end
#   on any frame (a B-frame would need a later frame the copy leaves out);
# - stitchable: x264 writes headers from these settings only, never from the
#   content (it would otherwise put the first frame's quantiser in the PPS).
PLAYBACK_X264: dict[str, object] = {
    "c:v": "libx264",
    "preset": "veryfast",
    "crf": 23,
    "profile:v": "high",
    "pix_fmt": "yuv420p",
    "bf": 0,
    "refs": 1,
    "x264-params": "stitchable=1",
}
# HLG or PQ to SDR BT.709: to linear light, to BT.709 primaries, compress the
# highlights (hable), back to BT.709 video levels, 8-bit.
TONE_MAP_TO_SDR: tuple[tuple[str, dict[str, object]], ...] = (
    ("zscale", {"t": "linear", "npl": 100}),
    ("format", {"pix_fmts": "gbrpf32le"}),
    ("zscale", {"p": "bt709"}),
    ("tonemap", {"tonemap": "hable", "desat": 0}),
    ("zscale", {"t": "bt709", "m": "bt709", "r": "tv"}),
    ("format", {"pix_fmts": "yuv420p"}),
)
STDERR_TAIL_LINES = 20
PROBE_HEADER_BYTES = 4096


class MediaError(Exception):
    """Base of everything this module raises about a film."""


class RejectedMedia(MediaError):
    """The file is not an acceptable film. Never worth retrying.

    str(e) is a message for the practitioner who uploaded it; `reason` is a
    short code for code and logs; `detail` is ffprobe's own complaint, for logs.
    """

    def __init__(self, message: str, *, reason: str = "rejected", detail: str = ""):
        super().__init__(message)
        self.reason = reason
        self.detail = detail


class MediaProcessingError(MediaError):
    """ffmpeg failed, timed out or was stopped on a file we had accepted. May be retried."""

    def __init__(self, message: str, *, stderr_tail: str = "", returncode: int | None = None, timed_out: bool = False):
        super().__init__(message)
        self.stderr_tail = stderr_tail
        self.returncode = returncode
        self.timed_out = timed_out


@dataclass(frozen=True)
class ProbeResult:
    """What ffprobe says about an accepted film (never its tags: they can hold a GPS location)."""

    format_name: str
    duration: float
    width: int  # as displayed: after rotation and pixel aspect ratio
    height: int
    rotation: int  # clockwise degrees a player turns the picture (a phone held upright: 90)
    video_codec: str
    pix_fmt: str
    bit_depth: int
    color_transfer: str | None
    color_primaries: str | None
    is_hdr: bool
    frame_rate: float
    is_variable_frame_rate: bool
    has_audio: bool
    audio_codec: str | None
    size: int
    video_stream_index: int | None = None  # None: the first video stream that is not cover art
    audio_stream_index: int | None = None

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


# ---------------------------------------------------------------------------
# Checking an upload


def probe(path: Path, *, max_seconds: int | None = None, timeout: float = 30) -> ProbeResult:
    """Read a file with ffprobe and accept it as a film, or raise RejectedMedia saying why not."""
    if max_seconds is None:
        max_seconds = settings.VIG_MAX_FILM_SECONDS
    path = Path(path)
    size = _file_size(path)
    if size == 0:
        raise RejectedMedia(
            "This file is empty (0 bytes). It may not have finished copying from the camera or phone.",
            reason="empty",
        )
    _reject_obvious_non_films(path)
    report = _run_ffprobe(path, timeout=timeout)
    info = _accept(report, size=size, max_seconds=max_seconds)
    _reject_if_end_is_missing(path, info, picture_ends_at=_picture_end(report, info), timeout=timeout)
    return info


def probe_command(path: Path) -> list[str]:
    entries = (
        "format=format_name,duration"
        ":stream=index,codec_type,codec_name,width,height,sample_aspect_ratio,pix_fmt,bits_per_raw_sample,"
        "color_transfer,color_primaries,r_frame_rate,avg_frame_rate,duration"
        ":stream_disposition=attached_pic,timed_thumbnails:stream_side_data=rotation:stream_tags=rotate"
    )
    return [
        settings.FFPROBE_BINARY,
        "-hide_banner",
        "-loglevel",
        "error",
        "-show_entries",
        entries,
        "-of",  # ffprobe 5.1 has no -output_format yet
        "json",
        *_as_args(INPUT_OPTIONS),
        "-i",
        _url(path),
    ]


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError as e:
        raise MediaProcessingError(f"Could not read the uploaded file: {e.strerror}") from e


_PICTURE_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM")
_PICTURE_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"mif1", b"msf1", b"avif", b"avis"}


def _reject_obvious_non_films(path: Path) -> None:
    """Name the commonest wrong files in the practitioner's words. Acceptance is still ffprobe's."""
    try:
        with path.open("rb") as f:
            head = f.read(PROBE_HEADER_BYTES)
    except OSError as e:
        raise MediaProcessingError(f"Could not read the uploaded file: {e.strerror}") from e
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"#EXTM3U"):
        raise RejectedMedia(
            "This file is a playlist, not a film. Please upload the video file itself.", reason="playlist"
        )
    if _looks_like_text(head):
        if text.startswith(b"ffconcat") or re.search(rb"^\s*file\s", head, re.MULTILINE):
            raise RejectedMedia(
                "This file is a list of other files, not a film. Please upload the video file itself.",
                reason="list",
            )
        raise RejectedMedia("This file contains text, not a film.", reason="text")
    is_webp = head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    is_heif = head[4:8] == b"ftyp" and head[8:12] in _PICTURE_BRANDS
    if head.startswith(_PICTURE_SIGNATURES) or is_webp or is_heif:
        raise RejectedMedia("This file is a picture, not a film.", reason="picture")


def _looks_like_text(head: bytes) -> bool:
    try:
        # Not final: the 4 KiB cut may fall inside a character.
        decoded = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return all(c.isprintable() or c in "\r\n\t\f" for c in decoded)


def _run_ffprobe(path: Path, *, timeout: float) -> dict:
    with scratch_folder() as cwd:
        try:
            done = subprocess.run(
                probe_command(path), cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout
            )
        except subprocess.TimeoutExpired as e:  # run() has killed it
            raise MediaProcessingError(
                f"ffprobe took longer than {timeout:g} seconds and was stopped.",
                stderr_tail=_tail(e.stderr),
                timed_out=True,
            ) from None
        except OSError as e:
            raise MediaProcessingError(f"Could not start ffprobe: {e.strerror}") from e
    stderr = _tail(done.stderr)
    if done.returncode != 0:
        raise _unreadable(stderr)
    try:
        report = json.loads(done.stdout)
    except ValueError:
        raise _unreadable(stderr) from None
    if not report.get("format"):
        raise _unreadable(stderr)
    return report


def _unreadable(stderr: str) -> RejectedMedia:
    if "moov atom not found" in stderr or "partial file" in stderr:
        return RejectedMedia(INCOMPLETE, reason="incomplete", detail=stderr)
    if "not on whitelist" in stderr:
        return RejectedMedia(
            "We can only accept films saved as MP4, MOV, MKV or WebM files, and this file is something else.",
            reason="format",
            detail=stderr,
        )
    return RejectedMedia(
        "We could not read this file as a film. It may be damaged, or not a video.",
        reason="unreadable",
        detail=stderr,
    )


INCOMPLETE = (
    "This film is incomplete: the end of the file is missing. It may not have finished uploading or "
    "copying. Please try again with the original file."
)


def _accept(report: dict, *, size: int, max_seconds: float) -> ProbeResult:
    fmt = report["format"]
    streams = report.get("streams", [])
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    pictures = [s for s in streams if s.get("codec_type") == "video" and not _is_cover_art(s)]
    films = [s for s in pictures if s.get("codec_name") in FILM_CODECS]
    if not films:
        if not pictures:
            if audio:
                raise RejectedMedia(
                    "This file has no video in it (it looks like a sound recording).", reason="no_video"
                )
            raise RejectedMedia("This file has no video in it.", reason="no_video")
        codec = pictures[0].get("codec_name", "unknown")
        if codec in STILL_PICTURE_CODECS:
            raise RejectedMedia(
                "This file holds still pictures rather than a film we can play "
                f"({codec}). Please export it as an MP4 film and try again.",
                reason="codec",
            )
        raise RejectedMedia(
            f"This film's video is in a format we cannot process ({codec}). "
            "Please export it as an MP4 film and try again.",
            reason="codec",
        )
    video = films[0]
    duration = _number(fmt.get("duration")) or _number(video.get("duration"))
    if not duration or duration <= 0:
        raise RejectedMedia("We could not tell how long this film is, so we cannot use it.", reason="duration")
    if duration > max_seconds:
        raise RejectedMedia(
            f"This film is {describe_seconds(duration)} long; the longest film we can accept is "
            f"{describe_seconds(max_seconds)}. Please shorten it and upload it again.",
            reason="too_long",
        )
    rotation = _rotation(video)
    width, height = _display_size(video, rotation)
    if not width or not height:
        raise RejectedMedia("We could not read the picture size of this film.", reason="unreadable")
    avg_rate = _rate(video.get("avg_frame_rate"))
    base_rate = _rate(video.get("r_frame_rate"))
    frame_rate = avg_rate or base_rate
    pix_fmt = video.get("pix_fmt") or "unknown"
    transfer = video.get("color_transfer")
    first_audio = audio[0] if audio else None
    return ProbeResult(
        format_name=fmt.get("format_name", ""),
        duration=duration,
        width=width,
        height=height,
        rotation=rotation,
        video_codec=video["codec_name"],
        pix_fmt=pix_fmt,
        bit_depth=_bit_depth(video.get("bits_per_raw_sample"), pix_fmt),
        color_transfer=transfer,
        color_primaries=video.get("color_primaries"),
        is_hdr=transfer in HDR_TRANSFERS,
        frame_rate=frame_rate,
        is_variable_frame_rate=bool(avg_rate and base_rate and abs(base_rate - avg_rate) > 0.015 * base_rate),
        has_audio=first_audio is not None,
        audio_codec=first_audio.get("codec_name") if first_audio else None,
        size=size,
        video_stream_index=video["index"],
        audio_stream_index=first_audio["index"] if first_audio else None,
    )


def _reject_if_end_is_missing(path: Path, info: ProbeResult, *, picture_ends_at: float, timeout: float) -> None:
    """Decode a frame in the last second of the film's pictures.

    A copy cut short keeps its index at the front (a "fast start" file) and
    ffprobe believes it; only reading near the declared end shows the
    pictures are not there.
    """
    with scratch_folder() as folder:
        frame = folder / "last-frame.gray"
        at_seconds = max(0.0, picture_ends_at - 1.0)
        args = last_frame_command(path, frame, stream_index=info.video_stream_index, at_seconds=at_seconds)
        try:
            run_ffmpeg(args, timeout=timeout)
        except MediaProcessingError as e:
            if e.timed_out or e.returncode is None or e.returncode < 0:
                raise
            raise RejectedMedia(INCOMPLETE, reason="incomplete", detail=e.stderr_tail) from None
        if not frame.exists() or frame.stat().st_size == 0:
            raise RejectedMedia(INCOMPLETE, reason="incomplete")


def last_frame_command(src: Path, out: Path, *, stream_index: int | None, at_seconds: float) -> list[str]:
    source = ffmpeg.input(_url(src), ss=f"{at_seconds:.3f}", **INPUT_OPTIONS)
    frame = _video(source, stream_index).filter("scale", 8, 8).filter("format", "gray")
    return ffmpeg.output(frame, _url(out), f="rawvideo", frames=1, **OUTPUT_OPTIONS).get_args()


def _picture_end(report: dict, info: ProbeResult) -> float:
    """Where the video stream ends; the sound may run on after it."""
    for stream in report.get("streams", []):
        if stream.get("index") == info.video_stream_index:
            return _number(stream.get("duration")) or info.duration
    return info.duration


def _is_cover_art(stream: dict) -> bool:
    disposition = stream.get("disposition") or {}
    return bool(disposition.get("attached_pic") or disposition.get("timed_thumbnails"))


def _rotation(video: dict) -> int:
    """Clockwise quarter turns from the display matrix (its angle is counter-clockwise) or a rotate tag."""
    for side_data in video.get("side_data_list") or []:
        if "rotation" in side_data:
            return int(round(-float(side_data["rotation"]) / 90)) * 90 % 360
    tag = (video.get("tags") or {}).get("rotate")
    if tag and re.fullmatch(r"-?\d+", tag.strip()):
        return int(round(int(tag) / 90)) * 90 % 360
    return 0


def _display_size(video: dict, rotation: int) -> tuple[int, int]:
    width, height = int(video.get("width") or 0), int(video.get("height") or 0)
    aspect = _rate(video.get("sample_aspect_ratio"), separator=":")
    if aspect and aspect != 1:
        width = round(width * aspect)
    return (height, width) if rotation in (90, 270) else (width, height)


def _bit_depth(bits_per_raw_sample: str | None, pix_fmt: str) -> int:
    if bits_per_raw_sample and str(bits_per_raw_sample).isdigit():
        return int(bits_per_raw_sample)
    match = re.search(r"p(\d+)(le|be)$", pix_fmt)
    return int(match.group(1)) if match else 8


def _rate(value: str | None, separator: str = "/") -> float:
    try:
        numerator, denominator = (value or "").split(separator)
        return float(numerator) / float(denominator) if float(denominator) else 0.0
    except ValueError:
        return 0.0


def _number(value: str | None) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) else 0.0


def describe_seconds(seconds: float) -> str:
    """3725 -> '1 hour 2 minutes 5 seconds', for messages a practitioner reads."""
    total = max(1, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(hours, "hour"), (minutes, "minute"), (secs, "second")]
    return " ".join(f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in parts if n)


# ---------------------------------------------------------------------------
# The playback copy


def transcode_playback(
    src: Path,
    dst: Path,
    info: ProbeResult,
    *,
    on_progress: Callable[[float], None] | None = None,
    timeout: float | None = None,
    process_started: Callable[[subprocess.Popen], None] | None = None,
) -> None:
    """Make the copy browsers play: H.264/AAC MP4, upright, at most 1080p, SDR, constant frame rate,
    a keyframe every PLAYBACK_KEYFRAME_SECONDS, fast start, and no metadata (no GPS location).

    on_progress gets percentages that only go up; 100 comes once dst is in place.
    The default timeout allows 10 minutes plus six times the film's length.
    """
    if timeout is None:
        timeout = 600 + 6 * info.duration
    reported = 0.0

    def progress(seconds: float) -> None:
        nonlocal reported
        percent = min(99.0, 100 * seconds / info.duration)
        if on_progress and percent > reported:
            reported = percent
            on_progress(percent)

    with _written_atomically(Path(dst)) as partial:
        run_ffmpeg(
            playback_command(Path(src), partial, info),
            timeout=timeout,
            on_progress_seconds=progress,
            process_started=process_started,
        )
    if on_progress:
        on_progress(100.0)


def playback_x264_options(rate: float) -> dict[str, object]:
    """PLAYBACK_X264 plus what depends on the frame rate: level, and a keyframe exactly every
    PLAYBACK_KEYFRAME_SECONDS (never at scene cuts). The GOP length is in the SPS too."""
    keyframe_every = round(rate * PLAYBACK_KEYFRAME_SECONDS)
    return {
        **PLAYBACK_X264,
        "level:v": "4.1" if rate <= 30 else "4.2",
        "r": f"{rate:g}",
        "g": keyframe_every,
        "keyint_min": keyframe_every,
        "sc_threshold": 0,
    }


def playback_command(src: Path, out: Path, info: ProbeResult) -> list[str]:
    rate = playback_frame_rate(info)
    width, height = playback_size(info.width, info.height)
    source = ffmpeg.input(_url(src), **INPUT_OPTIONS)
    # ffmpeg turns the picture upright itself (autorotate) before these filters.
    video = _video(source, info.video_stream_index).filter("scale", width, height)
    if info.is_hdr:
        for name, arguments in TONE_MAP_TO_SDR:
            video = video.filter(name, **arguments)
    video = video.filter("setsar", 1).filter("format", "yuv420p")
    streams = [video]
    options: dict[str, object] = {
        "f": "mp4",
        **playback_x264_options(rate),
        "fps_mode": "cfr",
        "force_key_frames": f"expr:gte(t,n_forced*{PLAYBACK_KEYFRAME_SECONDS:g})",
        "map_metadata": -1,
        "map_chapters": -1,
        "movflags": "+faststart",
        "max_muxing_queue_size": 1024,
        **OUTPUT_OPTIONS,
    }
    if info.is_hdr:
        options.update(color_primaries="bt709", color_trc="bt709", colorspace="bt709", color_range="tv")
    if info.has_audio:
        index = info.audio_stream_index
        streams.append(source[str(index)] if index is not None else source["a:0"])
        options.update({"c:a": "aac", "b:a": "128k", "ac": 2})
    return ffmpeg.output(*streams, _url(out), **options).get_args()


def playback_size(width: int, height: int) -> tuple[int, int]:
    """Fit within 1920x1080 (or 1080x1920 upright), keeping the shape; never enlarge; even sides."""
    long_side, short_side = PLAYBACK_MAX_LONG_SIDE, PLAYBACK_MAX_SHORT_SIDE
    box_width, box_height = (long_side, short_side) if width >= height else (short_side, long_side)
    scale = min(1.0, box_width / width, box_height / height)
    return _even(width * scale), _even(height * scale)


def playback_frame_rate(info: ProbeResult) -> int:
    """The next usual rate at or above the source's, at most 60.

    A phone films at a variable rate, dropping frames in low light; it then
    averages below its nominal rate, and rounding down would drop real frames.
    """
    rate = info.frame_rate
    if not rate or rate <= 0:
        return 30
    for usual in PLAYBACK_FRAME_RATES:
        if rate <= usual * 1.03:
            return usual
    return PLAYBACK_FRAME_RATES[-1]


def _even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


# ---------------------------------------------------------------------------
# Poster and thumbnails (made from the playback copy: upright, SDR, a keyframe every second)


def make_poster(src: Path, dst: Path, *, at_seconds: float, timeout: float = 60) -> None:
    """A JPEG of the frame at at_seconds."""
    with _written_atomically(Path(dst)) as partial:
        run_ffmpeg(poster_command(Path(src), partial, at_seconds=at_seconds), timeout=timeout)
        if partial.stat().st_size == 0:
            raise MediaProcessingError(f"There is no picture at {at_seconds:g} seconds to make a poster from.")


def poster_command(src: Path, out: Path, *, at_seconds: float) -> list[str]:
    source = ffmpeg.input(_url(src), ss=f"{max(0.0, at_seconds):.3f}", **INPUT_OPTIONS)
    frame = _video(source, None).filter("format", "yuvj420p")
    return ffmpeg.output(frame, _url(out), **_jpeg_options(quality=3)).get_args()


def make_thumbnail_strip(
    src: Path,
    dst: Path,
    *,
    duration: float,
    max_thumbnails: int = 100,
    thumb_width: int = 160,
    timeout: float | None = None,
) -> tuple[int, float]:
    """One horizontal sprite JPEG of evenly spaced frames; returns (count, interval_seconds).

    Thumbnail i shows the first keyframe at or after i * interval seconds.
    Only keyframes are decoded, so this is quick on the playback copy, which
    has one every PLAYBACK_KEYFRAME_SECONDS.
    """
    count, interval = thumbnail_plan(duration, max_thumbnails=max_thumbnails)
    if count * thumb_width > 65_000:
        raise ValueError("A JPEG cannot be that wide: fewer or narrower thumbnails, please.")
    if timeout is None:
        timeout = 120 + duration
    with _written_atomically(Path(dst)) as partial:
        command = thumbnail_strip_command(Path(src), partial, count=count, interval=interval, thumb_width=thumb_width)
        run_ffmpeg(command, timeout=timeout)
        if partial.stat().st_size == 0:
            raise MediaProcessingError("ffmpeg made no thumbnails.")
    return count, interval


def thumbnail_plan(duration: float, *, max_thumbnails: int = 100) -> tuple[int, float]:
    """One thumbnail every keyframe interval, or fewer, further apart, for a long film.

    The last tenth of a second is not worth a thumbnail: a film's sound often
    runs a little past its last picture.
    """
    interval = max(PLAYBACK_KEYFRAME_SECONDS, duration / max_thumbnails)
    count = min(max_thumbnails, max(1, math.ceil((duration - 0.1) / interval)))
    return count, interval


def thumbnail_strip_command(src: Path, out: Path, *, count: int, interval: float, thumb_width: int) -> list[str]:
    source = ffmpeg.input(_url(src), skip_frame="nokey", **INPUT_OPTIONS)
    strip = (
        # The first keyframe at or after each multiple of interval. (The fps
        # filter would drop the last one: it waits for a next frame that never comes.)
        _video(source, None)
        .filter("select", f"gte(t,selected_n*{interval:.6f})")
        .filter("scale", thumb_width, -2)
        .filter("tile", f"{count}x1")
        .filter("format", "yuvj420p")
    )
    return ffmpeg.output(strip, _url(out), **_jpeg_options(quality=5)).get_args()


def _jpeg_options(*, quality: int) -> dict[str, object]:
    # ffmpeg's JPEG encoder writes a bare JFIF header: no EXIF, so no GPS location.
    return {
        "f": "image2",
        "update": 1,
        "frames:v": 1,
        "c:v": "mjpeg",
        "q:v": quality,
        "map_metadata": -1,
        **OUTPUT_OPTIONS,
    }


# ---------------------------------------------------------------------------
# Running ffmpeg


def run_ffmpeg(
    args: list[str],
    *,
    timeout: float | None,
    on_progress_seconds: Callable[[float], None] | None = None,
    process_started: Callable[[subprocess.Popen], None] | None = None,
) -> None:
    """Run ffmpeg with args (without the program name) in a private scratch folder.

    Kills it and raises MediaProcessingError after timeout seconds, or if it
    fails or is stopped (process_started receives the Popen, so a caller can
    cancel it). on_progress_seconds gets how many seconds of film are done.
    """
    _require_fenced_inputs(args)
    command = [
        settings.FFMPEG_BINARY,
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-nostats",
        "-progress",
        "pipe:1",
        "-y",
        *args,
    ]
    logger.debug("Running %s", shlex.join(command))
    stderr_tail: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
    timed_out = threading.Event()
    with scratch_folder() as cwd:
        try:
            process = subprocess.Popen(
                command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
        except OSError as e:
            raise MediaProcessingError(f"Could not start ffmpeg: {e.strerror}") from e

        def stop_for_timeout() -> None:
            if process.poll() is None:
                timed_out.set()
                process.kill()

        timer = threading.Timer(timeout, stop_for_timeout) if timeout is not None else None
        stderr_reader = threading.Thread(target=_keep_last_lines, args=(process.stderr, stderr_tail), daemon=True)
        try:
            stderr_reader.start()
            if timer:
                timer.start()
            if process_started:
                process_started(process)
            _follow_progress(process.stdout, on_progress_seconds)
            returncode = process.wait()
        finally:
            if timer:
                timer.cancel()
            if process.poll() is None:
                process.kill()
                process.wait()
            stderr_reader.join(timeout=5)
            for stream in (process.stdout, process.stderr):
                if stream:
                    stream.close()
    tail = "\n".join(stderr_tail)
    if timed_out.is_set():
        raise MediaProcessingError(
            f"ffmpeg took longer than {timeout:g} seconds and was stopped.",
            stderr_tail=tail,
            returncode=returncode,
            timed_out=True,
        )
    if returncode < 0:
        raise MediaProcessingError(
            f"ffmpeg was stopped (signal {-returncode}).", stderr_tail=tail, returncode=returncode
        )
    if returncode != 0:
        raise MediaProcessingError(f"ffmpeg failed (exit code {returncode}).", stderr_tail=tail, returncode=returncode)


def _require_fenced_inputs(args: list[str]) -> None:
    """Refuse a command with an input that is not whitelisted as INPUT_OPTIONS says
    (or as SCRATCH_INPUT_OPTIONS says, for a file in the scratch folder)."""
    if "-safe" in args:
        raise ValueError("ffmpeg's concat demuxer is never used here.")
    start = 0
    for position, arg in enumerate(args):
        if arg != "-i":
            continue
        options = args[start:position]
        pairs = dict(zip(options, options[1:], strict=False))
        url = args[position + 1] if position + 1 < len(args) else ""
        formats = pairs.get("-format_whitelist")
        fenced = formats == ACCEPTED_FORMATS or (formats == SCRATCH_FORMATS and _is_in_scratch_folder(url))
        if pairs.get("-protocol_whitelist") != "file" or not fenced:
            raise ValueError(f"ffmpeg input {url!r} has no protocol and format whitelist.")
        if not url.startswith("file:/"):
            raise ValueError(f"ffmpeg input {url!r} is not an absolute file: URL.")
        start = position + 2


def _is_in_scratch_folder(url: str) -> bool:
    if not url.startswith("file:/"):
        return False
    return Path(url.removeprefix("file:")).resolve().is_relative_to(Path(settings.VIG_SCRATCH_DIR).resolve())


def _follow_progress(stdout: IO[bytes] | None, on_progress_seconds: Callable[[float], None] | None) -> None:
    """Read `-progress` blocks (key=value lines ending with progress=...) until ffmpeg closes stdout."""
    if stdout is None:
        return
    done = 0.0
    out_time_us = 0
    for raw in stdout:
        key, _, value = raw.decode("ascii", "replace").strip().partition("=")
        if key == "out_time_us" and value.lstrip("-").isdigit():
            out_time_us = int(value)
        elif key == "progress" and on_progress_seconds:
            seconds = max(0, out_time_us) / 1_000_000
            if seconds > done:
                done = seconds
                on_progress_seconds(seconds)


def _keep_last_lines(stream: IO[bytes] | None, lines: deque[str]) -> None:
    if stream is None:
        return
    for raw in stream:
        lines.append(raw.decode("utf-8", "replace").rstrip())


def _tail(output: bytes | None) -> str:
    text = (output or b"").decode("utf-8", "replace")
    return "\n".join(text.splitlines()[-STDERR_TAIL_LINES:])


@contextlib.contextmanager
def scratch_folder() -> Iterator[Path]:
    """A new private folder under VIG_SCRATCH_DIR, removed afterwards whatever happens."""
    root = Path(settings.VIG_SCRATCH_DIR)
    root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="ffmpeg-", dir=root))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def _written_atomically(dst: Path) -> Iterator[Path]:
    """A temporary file next to dst, moved onto dst only if the block succeeds; removed otherwise."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{dst.name}.", suffix=".partial", dir=dst.parent)
    os.close(fd)
    partial = Path(name)
    try:
        yield partial
        os.replace(partial, dst)
    finally:
        partial.unlink(missing_ok=True)


def _url(path: Path) -> str:
    """file:/absolute/path: a name like 'concat:...' or '-x' can never be read as anything else."""
    return "file:" + str(Path(path).resolve())


def _video(source, stream_index: int | None):
    """The film's video stream, or the first video stream that is not cover art ("V")."""
    return source[str(stream_index)] if stream_index is not None else source["V:0"]


def _as_args(options: dict[str, str]) -> list[str]:
    return [item for name, value in options.items() for item in (f"-{name}", value)]
