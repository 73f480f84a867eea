"""Handing a private media file to the browser, after the view has checked access.

Three ways, chosen by settings.VIG_MEDIA_DELIVERY:
- "django": stream it from storage here, with HTTP Range support so a video
  element can seek (206 Partial Content). Fine on one machine.
- "x-accel": answer with X-Accel-Redirect and let nginx send the bytes from an
  `internal` location (docs/deploy.md); nginx does the ranges.
- "s3": redirect to a signed URL of the bucket that expires within minutes.
"""

import re

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.utils.http import content_disposition_header

CHUNK_SIZE = 256 * 1024
RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")


def serve_media(request, fieldfile, *, content_type: str, download_name: str, as_attachment: bool = False):
    """Send one stored file. `download_name` is ours (built from the case reference), never the uploader's."""
    disposition = content_disposition_header(as_attachment, download_name)
    if settings.VIG_MEDIA_DELIVERY == "s3":
        url = fieldfile.storage.url(
            fieldfile.name,
            parameters={"ResponseContentType": content_type, "ResponseContentDisposition": disposition},
            expire=settings.VIG_SIGNED_URL_SECONDS,
        )
        response = HttpResponseRedirect(url)
    elif settings.VIG_MEDIA_DELIVERY == "x-accel":
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.VIG_X_ACCEL_PREFIX + fieldfile.name
        response["Content-Disposition"] = disposition
    else:
        response = _stream(request, fieldfile, content_type)
        response["Content-Disposition"] = disposition
    # Personal data: no shared cache may keep it, and the browser not for long.
    response["Cache-Control"] = "private, max-age=300"
    return response


def _stream(request, fieldfile, content_type):
    size = fieldfile.storage.size(fieldfile.name)
    byte_range = parse_range(request.headers.get("Range", ""), size)
    if byte_range == "unsatisfiable":
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    start, end = byte_range or (0, size - 1)
    length = end - start + 1 if size else 0
    response = StreamingHttpResponse(
        _read(fieldfile, start, length), status=206 if byte_range else 200, content_type=content_type
    )
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    if byte_range:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response


def parse_range(header: str, size: int):
    """(start, end) for a single satisfiable range, None to send the whole file, or "unsatisfiable".

    Several ranges in one header are answered with the whole file, which RFC
    9110 allows; browsers ask for one range at a time.
    """
    match = RANGE_RE.match(header.strip())
    if not match or size == 0:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":
        suffix = int(last)
        if suffix == 0:
            return "unsatisfiable"
        return max(size - suffix, 0), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        return "unsatisfiable"
    return start, end


def _read(fieldfile, start: int, length: int):
    with fieldfile.storage.open(fieldfile.name, "rb") as fh:
        fh.seek(start)
        remaining = length
        while remaining > 0:
            chunk = fh.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
