"""clips.media against the real OS ffmpeg, on tiny films made by media_factory."""

import json
import subprocess
import time
from pathlib import Path

import pytest
from PIL import Image

from clips import media
from clips.tests import media_factory
from clips.tests.media_factory import ffprobe, gray_frames, gray_image, read_frame_number

PASSWD_LINE = Path("/etc/passwd").read_text().splitlines()[0]


@pytest.fixture(autouse=True)
def scratch(settings, tmp_path_factory):
    """Each test gets its own scratch folder, which must be empty again afterwards."""
    settings.VIG_SCRATCH_DIR = tmp_path_factory.mktemp("scratch")
    yield settings.VIG_SCRATCH_DIR
    leftovers = list(settings.VIG_SCRATCH_DIR.iterdir()) if settings.VIG_SCRATCH_DIR.exists() else []
    assert leftovers == []


def video_stream(path: Path) -> dict:
    return ffprobe(path, "-select_streams", "v:0", "-show_streams")["streams"][0]


def keyframe_times(path: Path) -> list[float]:
    report = ffprobe(path, "-skip_frame", "nokey", "-select_streams", "v:0", "-show_entries", "frame=pts_time")
    return [float(frame["pts_time"]) for frame in report["frames"]]


def top_level_atoms(path: Path) -> list[str]:
    atoms = []
    with path.open("rb") as f:
        while header := f.read(8):
            size, kind = int.from_bytes(header[:4], "big"), header[4:].decode("latin-1")
            if size == 1:
                size = int.from_bytes(f.read(8), "big") - 8
            atoms.append(kind)
            if size == 0:
                break
            f.seek(size - 8, 1)
    return atoms


def partial_files(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.endswith(".partial")]


# ---------------------------------------------------------------------------
# Which files are films


@pytest.mark.parametrize(
    ("make", "reason", "words"),
    [
        (media_factory.zero_bytes, "empty", "This file is empty"),
        (media_factory.text_as_mp4, "text", "contains text, not a film"),
        (media_factory.png_as_mp4, "picture", "a picture, not a film"),
        (media_factory.jpeg_as_mp4, "picture", "a picture, not a film"),
        (media_factory.truncated_mp4, "incomplete", "the end of the file is missing"),
        (media_factory.truncated_faststart_mp4, "incomplete", "the end of the file is missing"),
        (media_factory.audio_only_m4a, "no_video", "no video in it (it looks like a sound recording)"),
        (media_factory.audio_with_cover_art_m4a, "no_video", "no video in it (it looks like a sound recording)"),
        (media_factory.mjpeg_mov, "codec", "still pictures rather than a film"),
        (media_factory.m3u8_playlist, "playlist", "a playlist, not a film"),
        (media_factory.hls_in_avi, "playlist", "a playlist, not a film"),
        (media_factory.concat_list, "list", "a list of other files, not a film"),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_it_rejects_what_is_not_a_film_saying_why(film_folder, tmp_path, make, reason, words):
    upload = make(tmp_path)
    before = sorted(tmp_path.iterdir())
    with pytest.raises(media.RejectedMedia) as rejected:
        media.probe(upload)
    assert rejected.value.reason == reason
    assert words in str(rejected.value)
    assert sorted(tmp_path.iterdir()) == before  # nothing kept or made


def test_it_says_a_sound_recording_has_no_video(film_folder, tmp_path):
    with pytest.raises(media.RejectedMedia) as rejected:
        media.probe(media_factory.audio_only_m4a(tmp_path))
    assert str(rejected.value) == "This file has no video in it (it looks like a sound recording)."


def test_it_rejects_a_film_longer_than_the_limit(h264_film):
    with pytest.raises(media.RejectedMedia) as rejected:
        media.probe(h264_film, max_seconds=1)
    assert rejected.value.reason == "too_long"
    assert "This film is 2 seconds long; the longest film we can accept is 1 second." in str(rejected.value)


def test_it_reads_nothing_through_an_hls_playlist_named_like_a_film(film_folder, tmp_path):
    attack = media_factory.hls_in_avi(tmp_path)
    with pytest.raises(media.RejectedMedia) as rejected:
        media.probe(attack)
    assert PASSWD_LINE not in f"{rejected.value} {rejected.value.detail}"
    assert sorted(tmp_path.iterdir()) == [attack]


@pytest.mark.parametrize("make", [media_factory.hls_in_avi, media_factory.m3u8_playlist, media_factory.concat_list])
def test_ffprobe_itself_refuses_playlists_and_lists(film_folder, tmp_path, make):
    """Not only the header check: the whitelists alone stop ffprobe opening what a list names."""
    done = subprocess.run(media.probe_command(make(tmp_path)), capture_output=True, text=True, timeout=30)
    assert done.returncode != 0
    assert "not on whitelist" in done.stderr or "Invalid data" in done.stderr
    assert PASSWD_LINE not in done.stdout + done.stderr


def test_ffmpeg_itself_refuses_an_hls_playlist(film_folder, tmp_path):
    attack = media_factory.hls_in_avi(tmp_path)
    info = media.ProbeResult(**{**SDR_FACTS, "video_stream_index": None, "audio_stream_index": None})
    with pytest.raises(media.MediaProcessingError) as failed:
        media.transcode_playback(attack, tmp_path / "out.mp4", info)
    assert "not on whitelist" in failed.value.stderr_tail
    assert PASSWD_LINE not in failed.value.stderr_tail
    assert sorted(tmp_path.iterdir()) == [attack]


def test_it_accepts_an_h264_film_and_reads_its_facts(h264_film):
    info = media.probe(h264_film)
    assert (info.video_codec, info.width, info.height, info.rotation) == ("h264", 320, 240, 0)
    assert info.duration == pytest.approx(2.0, abs=0.05)
    assert (info.frame_rate, info.is_variable_frame_rate) == (25.0, False)
    assert (info.pix_fmt, info.bit_depth, info.is_hdr) == ("yuv420p", 8, False)
    assert (info.has_audio, info.audio_codec) == (True, "aac")
    assert info.size == h264_film.stat().st_size
    assert "mp4" in info.format_name


def test_it_accepts_hevc(hevc_film):
    assert media.probe(hevc_film).video_codec == "hevc"


def test_a_phone_film_held_upright_is_portrait(portrait_film):
    info = media.probe(portrait_film)
    assert info.rotation == 90
    assert (info.width, info.height) == (240, 320)


def test_it_knows_an_hlg_film_is_hdr(hlg_film):
    info = media.probe(hlg_film)
    assert info.is_hdr
    assert (info.color_transfer, info.color_primaries, info.bit_depth) == ("arib-std-b67", "bt2020", 10)


def test_it_knows_a_variable_frame_rate(vfr_film):
    assert media.probe(vfr_film).is_variable_frame_rate


def test_it_knows_a_film_without_sound(no_audio_film):
    info = media.probe(no_audio_film)
    assert (info.has_audio, info.audio_codec) == (False, None)


def test_its_summary_is_json_and_carries_no_location(gps_film):
    assert "location" in json.dumps(ffprobe(gps_film, "-show_format"))  # the film does carry one
    summary = json.dumps(media.probe(gps_film).as_dict())
    assert "51.5074" not in summary
    assert json.loads(summary)["video_codec"] == "h264"


def test_a_file_over_2_gb_is_checked_without_reading_it_all(film_folder, tmp_path):
    start = media_factory.h264_mp4(tmp_path, name="start.mp4")
    huge = tmp_path / "huge.mp4"
    media_factory.ffmpeg("-i", str(start), "-c", "copy", "-movflags", "+faststart", str(huge))
    with huge.open("r+b") as f:
        f.truncate(3 * 1024**3)  # sparse: takes no disk
    started = time.monotonic()
    assert media.probe(huge).size == 3 * 1024**3
    assert time.monotonic() - started < 10


# ---------------------------------------------------------------------------
# The playback copy


def test_the_playback_copy_is_h264_and_aac_in_mp4(h264_playback):
    streams = ffprobe(h264_playback, "-show_streams", "-show_format")
    video, audio = streams["streams"]
    assert (video["codec_name"], video["profile"], video["pix_fmt"]) == ("h264", "High", "yuv420p")
    assert (audio["codec_name"], audio["channels"]) == ("aac", 2)
    assert "mp4" in streams["format"]["format_name"]


@pytest.mark.parametrize(
    "playback",
    ["h264_playback", "hevc_playback", "portrait_playback", "vfr_playback", "hlg_playback", "no_audio_playback"],
)
def test_every_kind_of_film_becomes_the_same_kind_of_copy(request, playback):
    path = request.getfixturevalue(playback)
    stream = video_stream(path)
    assert (stream["codec_name"], stream["profile"], stream["pix_fmt"]) == ("h264", "High", "yuv420p")
    assert stream["r_frame_rate"] == stream["avg_frame_rate"]
    assert "side_data_list" not in stream
    assert top_level_atoms(path).index("moov") < top_level_atoms(path).index("mdat")
    times = keyframe_times(path)
    assert times == pytest.approx([float(second) for second in range(len(times))], abs=0.01)
    assert len(times) >= 2


def test_the_playback_copy_starts_fast(h264_playback):
    atoms = top_level_atoms(h264_playback)
    assert atoms.index("moov") < atoms.index("mdat")


def test_the_playback_copy_is_at_most_1080p(large_film, tmp_path):
    dst = tmp_path / "playback.mp4"
    media.transcode_playback(large_film, dst, media.probe(large_film))
    stream = video_stream(dst)
    assert (stream["width"], stream["height"]) == (1920, 1080)


@pytest.mark.parametrize(
    ("source", "playback"),
    [
        ((3840, 2160), (1920, 1080)),
        ((2160, 3840), (1080, 1920)),
        ((1440, 1080), (1440, 1080)),
        ((1080, 2400), (864, 1920)),
        ((640, 480), (640, 480)),
        ((721, 481), (720, 480)),  # odd sides become even
    ],
)
def test_the_playback_size_keeps_the_shape_within_1080p(source, playback):
    assert media.playback_size(*source) == playback


def test_a_portrait_film_plays_upright(portrait_playback):
    stream = video_stream(portrait_playback)
    assert (stream["width"], stream["height"]) == (240, 320)
    assert "side_data_list" not in stream  # no rotation left for a player to apply again
    frame = gray_frames(portrait_playback, at_seconds=1, count=1)[0]
    assert frame.mean(0, 0, 60, 60) > 200  # the white square, top left as filmed
    assert frame.mean(180, 0, 240, 60) < 80
    assert frame.mean(0, 260, 60, 320) < 80


def test_a_variable_frame_rate_becomes_constant(vfr_playback):
    stream = video_stream(vfr_playback)
    assert stream["r_frame_rate"] == stream["avg_frame_rate"] == "24/1"


def test_every_frame_is_kept_in_order(numbered_playback):
    """Frame n of the playback copy is the source's frame n, at n / 25 seconds."""
    assert media_factory.frame_numbers(numbered_playback) == list(range(100))


def test_there_is_a_keyframe_every_second(numbered_playback):
    assert keyframe_times(numbered_playback) == pytest.approx([0.0, 1.0, 2.0, 3.0], abs=0.01)


def test_an_hlg_film_is_tone_mapped_to_sdr(hlg_playback, h264_film):
    stream = video_stream(hlg_playback)
    assert (stream["pix_fmt"], stream["color_transfer"], stream["color_primaries"]) == ("yuv420p", "bt709", "bt709")
    assert stream["color_space"] == "bt709"
    tone_mapped = gray_frames(hlg_playback, at_seconds=1, count=1)[0]
    original = gray_frames(h264_film, at_seconds=1, count=1)[0]
    # Not washed out: about as bright, contrasty and colourful as the SDR film it was
    # made from. (Hable darkens the middle tones a little: 0.78 of the brightness
    # here. Without tone mapping the colour falls to 0.39 of the original.)
    assert 0.65 < tone_mapped.mean() / original.mean() < 1.15
    assert tone_mapped.stdev() / original.stdev() > 0.65
    colour = media_factory.colourfulness(hlg_playback, at_seconds=1) / media_factory.colourfulness(
        h264_film, at_seconds=1
    )
    assert colour > 0.6


def test_no_sound_in_means_no_sound_out(no_audio_playback):
    assert [s["codec_type"] for s in ffprobe(no_audio_playback, "-show_streams")["streams"]] == ["video"]


def test_the_playback_copy_carries_no_location_or_other_metadata(gps_playback):
    report = ffprobe(gps_playback, "-show_format", "-show_streams", "-show_chapters")
    tags = {**report["format"].get("tags", {}), **{k: v for s in report["streams"] for k, v in s["tags"].items()}}
    assert not [name for name in tags if "location" in name.lower()]
    assert report["chapters"] == []
    content = gps_playback.read_bytes()
    assert b"51.5074" not in content
    assert b"ISO6709" not in content


# ---------------------------------------------------------------------------
# Running ffmpeg: progress, timeouts, cancelling, leftovers


def test_progress_goes_up_and_ends_at_100(long_film, tmp_path):
    seen = []
    media.transcode_playback(long_film, tmp_path / "playback.mp4", media.probe(long_film), on_progress=seen.append)
    assert len(seen) >= 2
    assert seen == sorted(seen)
    assert len(set(seen)) == len(seen)
    assert 0 < seen[0] and seen[-1] == 100


def test_the_caller_gets_the_running_process(h264_film, tmp_path):
    seen = []
    media.transcode_playback(
        h264_film, tmp_path / "playback.mp4", media.probe(h264_film), process_started=lambda p: seen.append(p.poll())
    )
    assert seen == [None]


def test_a_timeout_kills_ffmpeg_and_leaves_nothing(long_film, tmp_path):
    dst = tmp_path / "playback.mp4"
    processes = []
    with pytest.raises(media.MediaProcessingError) as failed:
        media.transcode_playback(long_film, dst, media.probe(long_film), timeout=0.25, process_started=processes.append)
    assert failed.value.timed_out
    assert processes[0].returncode == -9  # killed, not left running
    assert not dst.exists()
    assert partial_files(tmp_path) == []


def test_a_failed_run_leaves_the_previous_copy_untouched(long_film, tmp_path):
    dst = tmp_path / "playback.mp4"
    dst.write_bytes(b"the copy made last time")
    with pytest.raises(media.MediaProcessingError):
        media.transcode_playback(long_film, dst, media.probe(long_film), timeout=0.25)
    assert dst.read_bytes() == b"the copy made last time"
    assert partial_files(tmp_path) == []


def test_the_caller_can_stop_ffmpeg(long_film, tmp_path):
    dst = tmp_path / "playback.mp4"
    with pytest.raises(media.MediaProcessingError) as failed:
        media.transcode_playback(long_film, dst, media.probe(long_film), process_started=lambda p: p.terminate())
    assert "stopped" in str(failed.value)
    assert not failed.value.timed_out
    assert not dst.exists()
    assert partial_files(tmp_path) == []


def test_a_failure_keeps_the_end_of_what_ffmpeg_said(film_folder, tmp_path):
    missing = tmp_path / "missing.mp4"
    args = ["-protocol_whitelist", "file", "-format_whitelist", media.ACCEPTED_FORMATS, "-i", f"file:{missing}"]
    with pytest.raises(media.MediaProcessingError) as failed:
        media.run_ffmpeg([*args, "-f", "null", "-"], timeout=30)
    assert failed.value.returncode == 1
    assert "No such file or directory" in failed.value.stderr_tail
    assert len(failed.value.stderr_tail.splitlines()) <= media.STDERR_TAIL_LINES


@pytest.mark.parametrize(
    "args",
    [
        ["-i", "file:/films/a.mp4", "-f", "null", "-"],
        ["-protocol_whitelist", "file", "-i", "file:/films/a.mp4", "-f", "null", "-"],
        ["-protocol_whitelist", "file,http", "-format_whitelist", media.ACCEPTED_FORMATS, "-i", "file:/films/a.mp4"],
        ["-protocol_whitelist", "file", "-format_whitelist", "concat", "-safe", "0", "-i", "file:/films/list.txt"],
        ["-protocol_whitelist", "file", "-format_whitelist", media.ACCEPTED_FORMATS, "-i", "a.mp4", "-f", "null", "-"],
    ],
)
def test_run_ffmpeg_refuses_an_unfenced_input(args):
    with pytest.raises(ValueError):
        media.run_ffmpeg(args, timeout=30)


SDR_FACTS = dict(
    format_name="mov,mp4,m4a,3gp,3g2,mj2",
    duration=10.0,
    width=1920,
    height=1080,
    rotation=0,
    video_codec="h264",
    pix_fmt="yuv420p",
    bit_depth=8,
    color_transfer=None,
    color_primaries=None,
    is_hdr=False,
    frame_rate=29.97,
    is_variable_frame_rate=False,
    has_audio=True,
    audio_codec="aac",
    size=1000,
    video_stream_index=0,
    audio_stream_index=1,
)
HDR_FACTS = {**SDR_FACTS, "color_transfer": "arib-std-b67", "color_primaries": "bt2020", "is_hdr": True}
SILENT_FACTS = {**SDR_FACTS, "has_audio": False, "audio_codec": None, "audio_stream_index": None}
SRC, OUT = Path("/films/source.mp4"), Path("/films/out.partial")


def every_command() -> list[list[str]]:
    return [
        media.probe_command(SRC)[1:],
        media.last_frame_command(SRC, OUT, stream_index=0, at_seconds=9),
        *(media.playback_command(SRC, OUT, media.ProbeResult(**f)) for f in (SDR_FACTS, HDR_FACTS, SILENT_FACTS)),
        media.poster_command(SRC, OUT, at_seconds=3),
        media.thumbnail_strip_command(SRC, OUT, count=10, interval=1.0, thumb_width=160),
    ]


@pytest.mark.parametrize("args", every_command())
def test_every_command_fences_its_input_and_output(args):
    media._require_fenced_inputs(args)  # raises if an input lacks the whitelists
    position = args.index("-i")
    before_input = args[:position]
    assert before_input[before_input.index("-protocol_whitelist") + 1] == "file"
    assert before_input[before_input.index("-format_whitelist") + 1] == "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm"
    assert args[position + 1] == "file:/films/source.mp4"
    after_input = args[position + 2 :]
    if "file:/films/out.partial" in after_input:
        assert after_input[after_input.index("-protocol_whitelist") + 1] == "file"
    assert not {"-safe", "concat", "hls"} & set(args)


def test_the_playback_command_says_how_to_encode():
    args = media.playback_command(SRC, OUT, media.ProbeResult(**SDR_FACTS))
    pairs = dict(zip(args, args[1:], strict=False))
    assert (pairs["-c:v"], pairs["-preset"], pairs["-profile:v"], pairs["-pix_fmt"]) == (
        "libx264",
        "veryfast",
        "high",
        "yuv420p",
    )
    assert (pairs["-fps_mode"], pairs["-r"], pairs["-g"], pairs["-sc_threshold"]) == ("cfr", "30", "30", "0")
    assert pairs["-force_key_frames"] == "expr:gte(t,n_forced*1)"
    assert (pairs["-map_metadata"], pairs["-map_chapters"], pairs["-movflags"]) == ("-1", "-1", "+faststart")
    assert (pairs["-c:a"], pairs["-b:a"], pairs["-ac"]) == ("aac", "128k", "2")


@pytest.mark.parametrize(
    ("average", "playback"), [(23.976, 24), (25, 25), (29.97, 30), (27.1, 30), (17.05, 24), (59.94, 60), (120, 60)]
)
def test_the_playback_frame_rate_is_the_next_usual_one(average, playback):
    assert media.playback_frame_rate(media.ProbeResult(**{**SDR_FACTS, "frame_rate": average})) == playback


# ---------------------------------------------------------------------------
# Poster and thumbnails


def test_the_poster_is_a_jpeg_of_the_frame_asked_for(numbered_playback, tmp_path):
    poster = tmp_path / "poster.jpg"
    media.make_poster(numbered_playback, poster, at_seconds=2.0)
    with Image.open(poster) as image:
        assert (image.format, image.size) == ("JPEG", (320, 240))
    assert read_frame_number(poster) == 50


def test_a_poster_past_the_end_is_an_error_and_leaves_nothing(numbered_playback, tmp_path):
    poster = tmp_path / "poster.jpg"
    with pytest.raises(media.MediaProcessingError):
        media.make_poster(numbered_playback, poster, at_seconds=60)
    assert list(tmp_path.iterdir()) == []


def test_the_thumbnail_strip_shows_one_frame_a_second(numbered_playback, tmp_path):
    strip = tmp_path / "thumbnails.jpg"
    duration = media.probe(numbered_playback).duration
    count, interval = media.make_thumbnail_strip(numbered_playback, strip, duration=duration, thumb_width=160)
    assert (count, interval) == (4, 1.0)
    sprite = gray_image(strip)
    assert (sprite.width, sprite.height) == (4 * 160, 120)
    numbers = []
    for i in range(count):
        rows = (sprite.pixels[y * sprite.width + i * 160 : y * sprite.width + (i + 1) * 160] for y in range(120))
        pixels = b"".join(rows)
        numbers.append(read_frame_number(media_factory.GrayFrame(160, 120, pixels)))
    assert numbers == [0, 25, 50, 75]


@pytest.mark.parametrize(
    ("duration", "plan"), [(0.5, (1, 1.0)), (2.02, (2, 1.0)), (3.5, (4, 1.0)), (600, (100, 6.0)), (900, (100, 9.0))]
)
def test_a_long_film_gets_at_most_100_thumbnails(duration, plan):
    assert media.thumbnail_plan(duration) == plan


def test_poster_and_thumbnails_carry_no_location(gps_film, tmp_path):
    """Even when made straight from a film that carries one."""
    poster, strip = tmp_path / "poster.jpg", tmp_path / "thumbnails.jpg"
    media.make_poster(gps_film, poster, at_seconds=1)
    media.make_thumbnail_strip(gps_film, strip, duration=2)
    for jpeg in (poster, strip):
        content = jpeg.read_bytes()
        assert b"Exif" not in content
        assert b"51.5074" not in content
        with Image.open(jpeg) as image:
            assert dict(image.getexif()) == {}
        assert "tags" not in ffprobe(jpeg, "-show_format")["format"]


# ---------------------------------------------------------------------------
# The test films themselves


def test_numbered_frames_carry_their_numbers(numbered_film):
    assert media_factory.frame_numbers(numbered_film) == list(range(100))
