"""Tiny test films made with ffmpeg's lavfi sources, and the wrong files people upload.

Every maker takes a folder (numbered_frames_mp4 takes a path), writes one file
into it in well under a second and returns its path. The films are 320x240
(or 240x320 upright) at 25 frames a second with a 440 Hz tone, unless a maker
says otherwise.

numbered_frames_mp4 draws each frame's number twice: big, for people, and as a
row of 16 black/white blocks across the top (most significant bit first), for
read_frame_number, so tests can tell exactly which frames a cut kept.
"""

from __future__ import annotations

import io
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from PIL import Image

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
SIZE = "320x240"
RATE = 25
NUMBER_BITS = 16
NUMBER_BAND = 8  # the blocks fill the top 1/8 of the picture

# A passage from an HLS playlist that, opened by an unfenced ffmpeg, reads /etc/passwd.
HLS_LOCAL_FILE_READ = (
    "#EXTM3U\n"
    "#EXT-X-MEDIA-SEQUENCE:0\n"
    "#EXTINF:10.0,\n"
    "concat:file:///etc/passwd|subfile,,start,0,end,0,,:file:///etc/passwd\n"
    "#EXT-X-ENDLIST\n"
)
GPS_LOCATION = "+51.5074-000.1278/"


def ffmpeg(*args: str) -> None:
    """Run the OS ffmpeg quietly; fail loudly with its complaint."""
    command = [settings.FFMPEG_BINARY, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)}\n{done.stderr}")


def ffprobe(path: Path, *args: str) -> dict:
    """ffprobe's JSON report on one of our own test files (never an upload)."""
    command = [settings.FFPROBE_BINARY, "-v", "error", "-of", "json", *args, str(path)]
    return json.loads(subprocess.run(command, capture_output=True, check=True, timeout=60).stdout)


def _picture(seconds: float, size: str = SIZE, rate: int = RATE) -> list[str]:
    return ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}"]


def _tone(seconds: float) -> list[str]:
    return ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"]


H264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
AAC = ["-c:a", "aac", "-b:a", "64k"]


# ---------------------------------------------------------------------------
# Good films


def h264_mp4(folder: Path, *, seconds: float = 2, size: str = SIZE, name: str = "h264.mp4") -> Path:
    path = folder / name
    ffmpeg(*_picture(seconds, size), *_tone(seconds), *H264, *AAC, str(path))
    return path


def hevc_mp4(folder: Path, *, seconds: float = 2) -> Path:
    path = folder / "hevc.mp4"
    x265 = ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-tag:v", "hvc1"]
    ffmpeg(*_picture(seconds), *_tone(seconds), *x265, "-pix_fmt", "yuv420p", *AAC, str(path))
    return path


def no_audio_mp4(folder: Path, *, seconds: float = 2) -> Path:
    path = folder / "no-audio.mp4"
    ffmpeg(*_picture(seconds), *H264, str(path))
    return path


def portrait_rotated_mp4(folder: Path, *, seconds: float = 2) -> Path:
    """A phone held upright: 320x240 pictures stored on their side, with a display matrix saying
    "turn 90 degrees clockwise" (ffprobe: rotation -90), as an iPhone writes.

    The upright scene is dark grey with a white square in its top-left corner.
    """
    landscape = folder / "portrait-stored-landscape.mp4"
    scene = f"color=c=0x303030:size=240x320:rate={RATE}:duration={seconds},drawbox=0:0:80:80:white:t=fill"
    ffmpeg("-f", "lavfi", "-i", scene, *_tone(seconds), "-vf", "transpose=cclock", *H264, *AAC, str(landscape))
    path = folder / "portrait.mp4"
    # ffmpeg 5.1's mov muxer turns the old "rotate" tag into a counter-clockwise
    # display matrix, the opposite of what the tag used to mean; other versions
    # may differ, so check which tag value gives a phone's matrix.
    for tag in ("270", "90"):
        ffmpeg("-i", str(landscape), "-c", "copy", "-metadata:s:v:0", f"rotate={tag}", str(path))
        if _display_matrix_rotation(path) == -90:
            landscape.unlink()
            return path
    raise RuntimeError("This ffmpeg cannot write a phone's portrait display matrix with the rotate tag.")


def _display_matrix_rotation(path: Path) -> float | None:
    report = ffprobe(path, "-select_streams", "v:0", "-show_entries", "stream_side_data=rotation")
    for side_data in report["streams"][0].get("side_data_list", []):
        if "rotation" in side_data:
            return float(side_data["rotation"])
    return None


def vfr_mp4(folder: Path) -> Path:
    """Variable frame rate, as phones film in low light: one second at 30 fps, then two at 10 fps."""
    path = folder / "vfr.mp4"
    timing = "setpts='if(lt(N,30),N/30,1+(N-30)/10)/TB'"
    ffmpeg(
        *_picture(3, rate=30), *_tone(3), "-vf", timing, "-fps_mode", "vfr", "-frames:v", "50", *H264, *AAC, str(path)
    )
    stream = ffprobe(path, "-select_streams", "v:0", "-show_entries", "stream=r_frame_rate,avg_frame_rate")
    rates = stream["streams"][0]
    assert rates["r_frame_rate"] != rates["avg_frame_rate"], rates
    return path


def hlg_hevc_mp4(folder: Path, *, sdr_source: Path) -> Path:
    """10-bit HEVC in HLG (arib-std-b67, BT.2020), as a recent iPhone films, made from an SDR film.

    SDR white goes to the HLG reference white (203 cd/m2, BT.2408), so a tone
    mapping back to SDR should look roughly like sdr_source.
    """
    path = folder / "hlg.mp4"
    to_hlg = (
        "zscale=tin=bt709:pin=bt709:min=bt709:rin=tv:t=arib-std-b67:p=bt2020:m=bt2020nc:r=tv:npl=203,format=yuv420p10le"
    )
    x265 = ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-tag:v", "hvc1"]
    tags = ["-color_primaries", "bt2020", "-color_trc", "arib-std-b67", "-colorspace", "bt2020nc"]
    ffmpeg("-i", str(sdr_source), "-vf", to_hlg, *x265, *tags, "-c:a", "copy", str(path))
    return path


def with_gps_mp4(folder: Path, *, seconds: float = 2) -> Path:
    """A film carrying where it was made, in both places phones write it."""
    path = folder / "with-gps.mp4"
    ffmpeg(
        *_picture(seconds),
        *_tone(seconds),
        *H264,
        *AAC,
        "-metadata",
        f"location={GPS_LOCATION}",
        "-metadata",
        f"com.apple.quicktime.location.ISO6709={GPS_LOCATION}",
        "-movflags",
        "use_metadata_tags",
        str(path),
    )
    return path


def larger_than_1080p_mp4(folder: Path) -> Path:
    """One second of 2560x1440 (a 1440p phone film)."""
    return h264_mp4(folder, seconds=1, size="2560x1440", name="1440p.mp4")


def numbered_frames_mp4(
    path: Path, seconds: float = 4, fps: int = RATE, keyframe_interval: float = 1.0, *, audio: bool = True
) -> Path:
    """Frame n shows n, big and as 16 binary blocks; a keyframe every keyframe_interval seconds."""
    band = 240 // NUMBER_BAND
    block = 320 // NUMBER_BITS
    bit = f"mod(floor(N/pow(2,{NUMBER_BITS - 1}-floor(X/{block}))),2)"
    blocks = f"geq=lum='if(lt(Y,{band}),255*{bit},lum(X,Y))':cb=128:cr=128"
    number = (
        f"drawtext=fontfile={FONT}:text='%{{frame_num}}':fontsize=110:fontcolor=white"
        f":x=(w-tw)/2:y={band}+(h-{band}-th)/2"
    )
    scene = f"color=c=0x808080:size={SIZE}:rate={fps}:duration={seconds},format=yuv420p"
    keyframes = round(fps * keyframe_interval)
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        scene,
        *(_tone(seconds) if audio else []),
        "-vf",
        f"{blocks},{number}",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "18",
        "-pix_fmt",
        "yuv420p",
        "-g",
        str(keyframes),
        "-keyint_min",
        str(keyframes),
        "-sc_threshold",
        "0",
        *(AAC if audio else []),
        str(path),
    )
    return path


@dataclass(frozen=True)
class GrayFrame:
    """One decoded picture as 8-bit grey levels, row by row."""

    width: int
    height: int
    pixels: bytes

    def mean(self, left: int = 0, top: int = 0, right: int | None = None, bottom: int | None = None) -> float:
        """Mean grey level of a rectangle (default: the whole picture)."""
        right = self.width if right is None else right
        bottom = self.height if bottom is None else bottom
        total = sum(sum(self.pixels[y * self.width + left : y * self.width + right]) for y in range(top, bottom))
        return total / ((right - left) * (bottom - top))

    def stdev(self) -> float:
        mean = self.mean()
        return (sum((p - mean) ** 2 for p in self.pixels) / len(self.pixels)) ** 0.5


def gray_frames(video: Path, *, at_seconds: float | None = None, count: int | None = None) -> list[GrayFrame]:
    """Decode frames (all, or count of them from at_seconds) as grey pictures, displayed upright."""
    args = ["-ss", f"{at_seconds:.3f}"] if at_seconds is not None else []
    limit = ["-frames:v", str(count)] if count is not None else []
    command = [settings.FFMPEG_BINARY, "-v", "error", "-nostdin", *args, "-i", str(video), *limit]
    command += ["-map", "0:V:0", "-f", "image2pipe", "-c:v", "pgm", "pipe:1"]
    output = subprocess.run(command, capture_output=True, check=True, timeout=60).stdout
    return list(_pgm_frames(output))


def _pgm_frames(data: bytes):
    position = 0
    while position < len(data):
        # "P5\n<width> <height>\n255\n" then width*height bytes.
        fields = []
        while len(fields) < 4:
            end = data.index(b"\n", position)
            fields += data[position:end].split()
            position = end + 1
        width, height = int(fields[1]), int(fields[2])
        yield GrayFrame(width, height, data[position : position + width * height])
        position += width * height


def colourfulness(video: Path, *, at_seconds: float) -> float:
    """How far from grey the frame at at_seconds is: mean |Cb - 128| + |Cr - 128|.

    A BT.2020 HDR picture shown as if it were BT.709 looks washed out: greyish.
    """
    command = [settings.FFMPEG_BINARY, "-v", "error", "-nostdin", "-ss", f"{at_seconds:.3f}", "-i", str(video)]
    command += ["-frames:v", "1", "-f", "image2pipe", "-c:v", "png", "pipe:1"]
    png = subprocess.run(command, capture_output=True, check=True, timeout=60).stdout
    with Image.open(io.BytesIO(png)) as image:
        _, cb, cr = image.convert("YCbCr").split()
        pairs = zip(cb.tobytes(), cr.tobytes(), strict=True)
        return sum(abs(b - 128) + abs(r - 128) for b, r in pairs) / (image.width * image.height)


def gray_image(path: Path) -> GrayFrame:
    with Image.open(path) as image:
        gray = image.convert("L")
        return GrayFrame(gray.width, gray.height, gray.tobytes())


def read_frame_number(frame: GrayFrame | Path) -> int:
    """The number numbered_frames_mp4 drew on this frame (a decoded GrayFrame, or a PNG/JPEG)."""
    if not isinstance(frame, GrayFrame):
        frame = gray_image(Path(frame))
    band = frame.height / NUMBER_BAND
    block = frame.width / NUMBER_BITS
    top, bottom = round(band * 0.25), round(band * 0.75)
    number = 0
    for i in range(NUMBER_BITS):
        level = frame.mean(round((i + 0.25) * block), top, round((i + 0.75) * block), bottom)
        if 60 < level < 195:
            raise ValueError(f"Block {i} is neither black nor white (grey {level:.0f}): no frame number here.")
        number = number * 2 + (level >= 128)
    return number


def frame_numbers(video: Path) -> list[int]:
    """The drawn number of every frame of a film made from numbered_frames_mp4, in order."""
    return [read_frame_number(frame) for frame in gray_frames(video)]


# ---------------------------------------------------------------------------
# Wrong files


def zero_bytes(folder: Path) -> Path:
    path = folder / "empty.mp4"
    path.write_bytes(b"")
    return path


def text_as_mp4(folder: Path) -> Path:
    path = folder / "notes.mp4"
    path.write_text("Notes from the session with the family.\nThe film is on the other phone.\n")
    return path


def png_as_mp4(folder: Path) -> Path:
    path = folder / "picture-png.mp4"
    ffmpeg(*_picture(1), "-frames:v", "1", "-f", "image2", "-c:v", "png", str(path))
    return path


def jpeg_as_mp4(folder: Path) -> Path:
    path = folder / "picture-jpeg.mp4"
    ffmpeg(*_picture(1), "-frames:v", "1", "-f", "image2", "-c:v", "mjpeg", "-pix_fmt", "yuvj420p", str(path))
    return path


def truncated_mp4(folder: Path) -> Path:
    """A film cut in half, with its index (moov) at the end as cameras write it: the index is lost."""
    whole = h264_mp4(folder, seconds=4, name="whole-moov-at-end.mp4")
    return _first_half(whole, folder / "truncated.mp4")


def truncated_faststart_mp4(folder: Path) -> Path:
    """A film cut in half, with its index at the front: ffprobe believes it is whole."""
    whole = h264_mp4(folder, seconds=4, name="whole-moov-at-end.mp4")
    faststart = folder / "whole-faststart.mp4"
    ffmpeg("-i", str(whole), "-c", "copy", "-movflags", "+faststart", str(faststart))
    return _first_half(faststart, folder / "truncated-faststart.mp4")


def _first_half(whole: Path, path: Path) -> Path:
    size = whole.stat().st_size
    with whole.open("rb") as source:
        path.write_bytes(source.read(size // 2))
    return path


def audio_only_m4a(folder: Path) -> Path:
    path = folder / "recording.m4a"
    ffmpeg(*_tone(2), *AAC, str(path))
    return path


def audio_with_cover_art_m4a(folder: Path) -> Path:
    """A sound recording with an album-cover picture: a video stream, but not a film."""
    cover = folder / "cover.png"
    ffmpeg(*_picture(1), "-frames:v", "1", "-c:v", "png", str(cover))
    path = folder / "recording-with-cover.m4a"
    cover_art = ["-c:v", "copy", "-disposition:v:0", "attached_pic"]
    ffmpeg(*_tone(2), "-i", str(cover), "-map", "0", "-map", "1", *AAC, *cover_art, str(path))
    return path


def mjpeg_mov(folder: Path) -> Path:
    """Motion JPEG, as old cameras film: not accepted on its own."""
    path = folder / "mjpeg.mov"
    ffmpeg(*_picture(1), "-c:v", "mjpeg", "-pix_fmt", "yuvj420p", str(path))
    return path


def m3u8_playlist(folder: Path) -> Path:
    path = folder / "film.m3u8"
    path.write_text("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nsegment0.ts\n#EXT-X-ENDLIST\n")
    return path


def hls_in_avi(folder: Path) -> Path:
    """The known ffmpeg local-file-read attack: an HLS playlist named like a film."""
    path = folder / "holiday.avi"
    path.write_text(HLS_LOCAL_FILE_READ)
    return path


def concat_list(folder: Path) -> Path:
    """An ffmpeg concat list naming another film and a system file."""
    path = folder / "films.txt"
    path.write_text("ffconcat version 1.0\nfile 'h264.mp4'\nfile '/etc/passwd'\n")
    return path
