"""A generated film for the demo (seed_demo): no real family is ever filmed for a demo."""

import subprocess
from pathlib import Path

from django.conf import settings


def make_demo_film(path: Path, *, seconds: int = 20) -> Path:
    """A small H.264 film of moving test patterns with a gentle tone, made by ffmpeg from nothing."""
    command = [
        settings.FFMPEG_BINARY, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size=640x360:rate=25:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=330:sample_rate=44100:duration={seconds}",
        "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-shortest", str(path),
    ]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    return path
