"""clips.cutting against the real OS ffmpeg: clips cut from a small numbered playback copy.

The film: 12 seconds of 320x240 at 25 frames a second, each frame showing its
number (media_factory.numbered_frames_mp4), and a sound that is silent except
for a 1 kHz beep during frames 150-154 (6.0-6.2 s). Its playback copy, made by
media.transcode_playback, has a keyframe at every 25th frame.
"""

import array
import struct
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from clips import cutting, media
from clips.tests import media_factory
from clips.tests.media_factory import ffprobe, frame_numbers, read_frame_number

RATE = 25
FRAMES = 12 * RATE
BEEP_FRAME = 150
BEEP = "aevalsrc='0.5*sin(2*PI*1000*t)*between(t,6,6.2)':s=48000:d=12"
SAMPLE_RATE = 48000


@pytest.fixture(autouse=True)
def scratch(settings, tmp_path_factory):
    """Each test gets its own scratch folder, which must be empty again afterwards."""
    settings.VIG_SCRATCH_DIR = tmp_path_factory.mktemp("scratch")
    yield settings.VIG_SCRATCH_DIR
    leftovers = list(settings.VIG_SCRATCH_DIR.iterdir()) if settings.VIG_SCRATCH_DIR.exists() else []
    assert leftovers == []


@pytest.fixture(scope="session")
def beeping_film(film_folder):
    pictures = media_factory.numbered_frames_mp4(film_folder / "numbered-12s.mp4", seconds=12, audio=False)
    path = film_folder / "numbered-beep.mp4"
    media_factory.ffmpeg(
        *("-i", str(pictures), "-f", "lavfi", "-i", BEEP, "-map", "0:v", "-map", "1:a"),
        *("-c:v", "copy", "-c:a", "aac", "-b:a", "128k", str(path)),
    )
    return path


@pytest.fixture(scope="session")
def playback(beeping_film, playback_folder):
    dst = playback_folder / "numbered-beep-playback.mp4"
    media.transcode_playback(beeping_film, dst, media.probe(beeping_film))
    return dst


def cut(playback: Path, dst: Path, start: int, end: int, *, has_audio: bool = True) -> Path:
    cutting.cut_clip(playback, dst, start_frame=start, end_frame=end, frame_rate=RATE, has_audio=has_audio)
    return dst


def video_packets(path: Path) -> list[dict]:
    report = ffprobe(path, "-select_streams", "v:0", "-show_entries", "packet=pts,dts,duration")
    return report["packets"]


def video_edit_lists(path: Path) -> dict[str, list[tuple[int, int]]]:
    """{handler ('vide', 'soun'): [(segment duration, media time), ...]} from each track's elst box."""
    containers = {b"moov", b"trak", b"edts", b"mdia"}
    data = path.read_bytes()
    tracks: list[dict] = []

    def walk(offset: int, end: int) -> None:
        while offset + 8 <= end:
            size, kind = struct.unpack(">I4s", data[offset : offset + 8])
            header = 8
            if size == 1:
                size, header = struct.unpack(">Q", data[offset + 8 : offset + 16])[0], 16
            body = data[offset + header : offset + size]
            if kind == b"trak":
                tracks.append({"edits": []})
            if kind == b"hdlr":
                tracks[-1]["handler"] = body[8:12].decode()
            if kind == b"elst":
                version, count = body[0], struct.unpack(">I", body[4:8])[0]
                entry = ">Qq" if version == 1 else ">Ii"
                step = struct.calcsize(entry) + 4
                for i in range(count):
                    tracks[-1]["edits"].append(struct.unpack_from(entry, body, 8 + i * step))
            if kind in containers:
                walk(offset + header, offset + size)
            offset += size

    walk(0, len(data))
    return {track["handler"]: track["edits"] for track in tracks}


def sound(path: Path) -> array.array:
    """The clip's sound as mono 16-bit samples at 48 kHz, as a player would play it (edit lists honoured)."""
    command = [settings.FFMPEG_BINARY, "-v", "error", "-nostdin", "-i", str(path), "-map", "0:a:0"]
    command += ["-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "s16le", "pipe:1"]
    return array.array("h", subprocess.run(command, capture_output=True, check=True, timeout=60).stdout)


def beep_onset_seconds(samples: array.array) -> float:
    return next(i for i, sample in enumerate(samples) if abs(sample) > 1000) / SAMPLE_RATE


# ---------------------------------------------------------------------------
# Frame-exact


MARKS = {
    "starts_on_a_keyframe": (50, 80),
    "starts_just_after_a_keyframe": (51, 90),
    "starts_two_before_a_keyframe": (48, 90),
    "starts_one_before_a_keyframe": (49, 90),
    "inside_one_keyframe_interval": (53, 70),
    "a_single_frame": (137, 137),
    "a_single_keyframe": (125, 125),
    "starts_at_the_first_frame": (0, 40),
    "ends_on_the_last_frame": (262, FRAMES - 1),
    "ends_on_a_keyframe": (30, 100),
    "spans_several_keyframes": (13, 287),
}


@pytest.mark.parametrize(("start", "end"), MARKS.values(), ids=MARKS.keys())
def test_a_clip_holds_exactly_the_marked_frames(playback, tmp_path, start, end):
    clip = cut(playback, tmp_path / "clip.mp4", start, end)
    assert frame_numbers(clip) == list(range(start, end + 1))


@pytest.mark.parametrize(("start", "end"), MARKS.values(), ids=MARKS.keys())
def test_a_clip_starts_on_its_first_frame_with_nothing_hidden_before_it(playback, tmp_path, start, end):
    """No edit list hides earlier frames: a player that ignores edit lists sees the same first frame,
    every stored picture is shown, one frame duration apart, from time 0."""
    clip = cut(playback, tmp_path / "clip.mp4", start, end)
    stream = ffprobe(clip, "-select_streams", "v:0", "-show_entries", "stream=start_time,has_b_frames")["streams"][0]
    assert float(stream["start_time"]) == 0
    assert stream["has_b_frames"] == 0
    packets = video_packets(clip)
    assert len(packets) == end - start + 1
    assert [p["pts"] for p in packets] == [p["dts"] for p in packets]
    steps = {b["pts"] - a["pts"] for a, b in zip(packets, packets[1:], strict=False)}
    assert len(steps) <= 1  # one frame duration throughout: one timebase, no gap
    assert all(media_time == 0 for _, media_time in video_edit_lists(clip)["vide"])
    assert read_frame_number(media_factory.gray_frames(clip, count=1)[0]) == start  # edit lists honoured
    command = [settings.FFMPEG_BINARY, "-v", "error", "-ignore_editlist", "1", "-i", str(clip), "-frames:v", "1"]
    png = subprocess.run([*command, "-f", "image2pipe", "-c:v", "png", "pipe:1"], capture_output=True, check=True)
    first = tmp_path / "first.png"
    first.write_bytes(png.stdout)
    assert read_frame_number(first) == start


@pytest.mark.parametrize(
    ("start", "end", "copy_from"),
    [
        (50, 80, 50),  # nothing to re-encode
        (51, 90, 75),
        (48, 90, 50),
        (49, 90, 75),  # not a one-frame head: it would be an IDR picture right before another
        (49, 60, None),  # ... and the next keyframe is past the end
        (53, 70, None),
        (13, 287, 25),
    ],
)
def test_it_copies_from_the_first_keyframe_after_the_start(playback, start, end, copy_from):
    plan = cutting.plan_cut(playback, start_frame=start, end_frame=end, frame_rate=RATE)
    assert plan.copy_from == copy_from
    assert plan.head_frames + plan.rest_frames == end - start + 1


def test_the_re_encoded_and_copied_frames_share_their_headers(playback, tmp_path):
    plan = cutting.plan_cut(playback, start_frame=37, end_frame=80, frame_rate=RATE)
    head, rest = tmp_path / "head.h264", tmp_path / "rest.h264"
    media.run_ffmpeg(cutting.head_command(playback, head, plan=plan, frame_rate=RATE), timeout=60)
    media.run_ffmpeg(cutting.rest_command(playback, rest, plan=plan, frame_rate=RATE), timeout=60)
    head_sets, head_picture = cutting._first_parameter_sets(head)
    rest_sets, rest_picture = cutting._first_parameter_sets(rest)
    assert [unit[0] & 0x1F for unit in head_sets] == [cutting.NAL_SPS, cutting.NAL_PPS]
    assert head_sets == rest_sets
    assert head_picture == rest_picture == cutting.NAL_IDR_SLICE


def test_the_playback_copy_and_a_clip_head_are_encoded_alike():
    """Every x264 setting that shapes the SPS/PPS is the same in both commands (the frame rate too)."""
    info = media.ProbeResult(
        format_name="mov,mp4,m4a,3gp,3g2,mj2",
        duration=10.0,
        width=1280,
        height=720,
        rotation=0,
        video_codec="h264",
        pix_fmt="yuv420p",
        bit_depth=8,
        color_transfer=None,
        color_primaries=None,
        is_hdr=False,
        frame_rate=25.0,
        is_variable_frame_rate=False,
        has_audio=False,
        audio_codec=None,
        size=1000,
    )
    playback_args = media.playback_command(Path("/films/source.mp4"), Path("/films/out.mp4"), info)
    head_args = cutting.head_command(
        Path("/films/playback.mp4"), Path("/films/head.h264"), plan=cutting.CutPlan(37, 80, 50), frame_rate=RATE
    )
    settings = media.playback_x264_options(RATE)
    assert {"bf", "refs", "preset", "crf", "profile:v", "level:v", "g", "x264-params"} <= settings.keys()
    for args in (playback_args, head_args):
        pairs = dict(zip(args, args[1:], strict=False))
        assert {name: pairs[f"-{name}"] for name in settings} == {name: str(v) for name, v in settings.items()}


def test_the_playback_copy_is_made_to_be_cut(playback):
    stream = ffprobe(playback, "-select_streams", "v:0", "-show_entries", "stream=has_b_frames")["streams"][0]
    assert stream["has_b_frames"] == 0
    keyframes = ffprobe(playback, "-select_streams", "v:0", "-show_entries", "packet=pts_time,flags")["packets"]
    times = [float(p["pts_time"]) for p in keyframes if "K" in p["flags"]]
    assert times == pytest.approx([float(second) for second in range(12)], abs=0.001)


def test_a_re_cut_replaces_the_clip(playback, tmp_path):
    clip = cut(playback, tmp_path / "clip.mp4", 50, 80)
    cut(playback, clip, 101, 112)
    assert frame_numbers(clip) == list(range(101, 113))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4"]


def test_a_failed_cut_keeps_the_old_clip_and_leaves_nothing_behind(playback, tmp_path, monkeypatch):
    clip = cut(playback, tmp_path / "clip.mp4", 50, 80)
    before = clip.read_bytes()
    real = cutting.mux_command

    def broken(*args, **kwargs):
        command = real(*args, **kwargs)
        return [("no-such-encoder" if arg == "copy" else arg) for arg in command]

    monkeypatch.setattr(cutting, "mux_command", broken)
    with pytest.raises(media.MediaProcessingError):
        cut(playback, clip, 37, 90)
    assert clip.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4"]


@pytest.mark.parametrize(("start", "end"), [(10, FRAMES), (FRAMES, FRAMES + 5), (40, 39), (-1, 5)])
def test_it_refuses_marks_that_are_not_frames_of_the_film(playback, tmp_path, start, end):
    with pytest.raises(cutting.MarksNotInFilm) as refused:
        cut(playback, tmp_path / "clip.mp4", start, end)
    assert isinstance(refused.value, media.MediaError)  # the clip pipeline fails the clip, without retrying
    assert list(tmp_path.iterdir()) == []


def test_it_refuses_a_frame_rate_that_is_not_the_playback_copys(playback, tmp_path):
    with pytest.raises(cutting.MarksNotInFilm, match="25 frames a second"):
        cutting.cut_clip(playback, tmp_path / "clip.mp4", start_frame=10, end_frame=40, frame_rate=30, has_audio=True)


# ---------------------------------------------------------------------------
# Sound


def test_the_sound_stays_in_sync(playback, tmp_path):
    """The beep sounds during frames 150-154: in a clip from frame 137 (not a keyframe), at 13 frames in."""
    start = 137
    clip = cut(playback, tmp_path / "clip.mp4", start, 200)
    expected = (BEEP_FRAME - start) / RATE
    assert beep_onset_seconds(sound(clip)) == pytest.approx(expected, abs=1 / RATE)


def test_the_sound_lasts_as_long_as_the_pictures(playback, tmp_path):
    clip = cut(playback, tmp_path / "clip.mp4", 137, 200)
    assert len(sound(clip)) / SAMPLE_RATE == pytest.approx(64 / RATE, abs=1 / RATE)
    edits = video_edit_lists(clip)["soun"]
    assert all(0 <= media_time <= 2048 for _, media_time in edits)  # only the AAC encoder's priming


def test_a_clip_without_sound_has_no_sound_track(playback, tmp_path):
    clip = cut(playback, tmp_path / "clip.mp4", 37, 80, has_audio=False)
    streams = ffprobe(clip, "-show_entries", "stream=codec_type")["streams"]
    assert [s["codec_type"] for s in streams] == ["video"]


# ---------------------------------------------------------------------------
# Playback copies made before this one: still exact, only slower


@pytest.fixture(scope="session")
def b_frame_playback(beeping_film, playback_folder):
    """As x264 encodes by default: B-frames, so frames are stored out of display order."""
    path = playback_folder / "with-b-frames.mp4"
    media_factory.ffmpeg(
        *("-i", str(beeping_film), "-c:v", "libx264", "-preset", "veryfast", "-bf", "3"),
        *("-g", "25", "-keyint_min", "25", "-sc_threshold", "0", "-c:a", "copy", str(path)),
    )
    return path


@pytest.fixture(scope="session")
def other_headers_playback(beeping_film, playback_folder):
    """No B-frames, but other x264 settings (CAVLC, no 8x8 transform): its SPS/PPS differ from ours."""
    path = playback_folder / "other-headers.mp4"
    media_factory.ffmpeg(
        *("-i", str(beeping_film), "-c:v", "libx264", "-preset", "ultrafast", "-bf", "0"),
        *("-g", "25", "-keyint_min", "25", "-sc_threshold", "0", "-c:a", "copy", str(path)),
    )
    return path


def test_a_playback_copy_with_b_frames_is_re_encoded_exactly(b_frame_playback, tmp_path):
    plan = cutting.plan_cut(b_frame_playback, start_frame=51, end_frame=110, frame_rate=RATE)
    assert plan.copy_from is None
    assert "B-frames" in plan.why_reencoded
    clip = cut(b_frame_playback, tmp_path / "clip.mp4", 51, 110)
    assert frame_numbers(clip) == list(range(51, 111))


def test_a_playback_copy_with_other_headers_is_re_encoded_exactly(other_headers_playback, tmp_path, caplog):
    clip = cut(other_headers_playback, tmp_path / "clip.mp4", 51, 110)
    assert frame_numbers(clip) == list(range(51, 111))
    assert "SPS/PPS differ" in caplog.text


# ---------------------------------------------------------------------------
# Stills and posters


@pytest.mark.parametrize("frame", [0, 1, 24, 25, 26, 137, FRAMES - 1])
def test_a_still_is_exactly_the_marked_frame(playback, tmp_path, frame):
    still = tmp_path / "still.jpg"
    cutting.make_still(playback, still, frame=frame, frame_rate=RATE)
    assert read_frame_number(still) == frame
    assert still.read_bytes()[:3] == b"\xff\xd8\xff"
    assert b"Exif" not in still.read_bytes()


def test_there_is_no_still_past_the_last_frame(playback, tmp_path):
    with pytest.raises(cutting.MarksNotInFilm):
        cutting.make_still(playback, tmp_path / "still.jpg", frame=FRAMES + 10, frame_rate=RATE)
    assert list(tmp_path.iterdir()) == []


def test_a_clip_poster_is_its_first_frame(playback, tmp_path):
    clip = cut(playback, tmp_path / "clip.mp4", 51, 90)
    cutting.make_clip_poster(clip, tmp_path / "poster.jpg")
    assert read_frame_number(tmp_path / "poster.jpg") == 51


# ---------------------------------------------------------------------------
# Fenced like every other ffmpeg run


def every_cutting_command(scratch: Path) -> list[list[str]]:
    src, out = Path("/films/playback.mp4"), Path("/films/out.partial")
    joined, sound = scratch / "cut" / "video.h264", scratch / "cut" / "sound.m4a"
    plan = cutting.CutPlan(37, 80, 50)
    return [
        cutting.sound_command(src, sound, start_frame=37, frames=44, frame_rate=RATE),
        cutting.head_command(src, out, plan=plan, frame_rate=RATE),
        cutting.rest_command(src, out, plan=plan, frame_rate=RATE),
        cutting.mux_command(joined, sound, out, frame_rate=RATE),
        cutting.mux_command(joined, None, out, frame_rate=RATE),
        cutting.still_command(src, out, frame=12, frame_rate=RATE),
        media.poster_command(src, out, at_seconds=0),  # make_clip_poster's
    ]


def test_every_cutting_command_fences_its_inputs_and_outputs(scratch):
    for args in every_cutting_command(scratch):
        media._require_fenced_inputs(args)
        assert args.count("-protocol_whitelist") == args.count("-i") + 1
        assert not {"-safe", "concat", "hls"} & set(args)


def test_the_keyframe_probe_is_fenced_too():
    command = cutting.keyframe_probe_command(Path("/films/playback.mp4"), intervals=[(37, 80)], frame_rate=RATE)
    pairs = dict(zip(command, command[1:], strict=False))
    assert (pairs["-protocol_whitelist"], pairs["-format_whitelist"]) == ("file", media.ACCEPTED_FORMATS)
    assert pairs["-i"] == "file:/films/playback.mp4"


def test_only_our_own_scratch_files_may_be_read_as_raw_h264(scratch):
    """The raw H.264 reader is allowed for cutting's intermediate file, never for a file elsewhere."""
    for elsewhere in (Path("/films/video.h264"), scratch / ".." / "video.h264"):
        command = cutting.mux_command(elsewhere, None, Path("/films/clip.mp4"), frame_rate=RATE)
        with pytest.raises(ValueError, match="whitelist"):
            media._require_fenced_inputs(command)


def test_the_formats_accepted_from_users_are_unchanged():
    assert media.ACCEPTED_FORMATS == "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm"
    assert media.INPUT_OPTIONS == {"protocol_whitelist": "file", "format_whitelist": media.ACCEPTED_FORMATS}
