"""Films arrive by the tus 1.0.0 resumable upload protocol (https://tus.io/protocols/resumable-upload).

Films are uploaded from phones and laptops over poor connections: a dropped
connection must cost seconds, not the whole film. A client creates an upload
(POST), sends the bytes in PATCH requests of bounded size and, after a drop,
asks where the server got to (HEAD) and carries on from there.

Extensions: creation, termination, checksum, expiration. Not offered:
creation-defer-length (a film's size is known when it is picked),
creation-with-upload, concatenation and checksum-trailer.

Access is the case's: every request except OPTIONS needs a logged-in user who
may edit the case (`get_case_for_user(..., edit=True)`), and an upload is only
ever reachable by the user who created it. An anonymous request gets 403 with a
short text, not a redirect to the log-in page: a tus client can do nothing with
a redirect. CSRF protection stays on (Django's middleware): clients send
X-CSRFToken, so its failures are Django's own 403 page.

The bytes go to `FilmUpload.path`, named by the upload's id, never by anything
the client sent. Finishing (probing the file, making the Film) is not part of
the protocol and lives with the film views.
"""

import base64
import binascii
import fcntl
import hashlib
import logging
import os
import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date

from audit.log import record
from audit.models import AuditEvent
from cases.views import get_case_for_user

from .models import FilmUpload

logger = logging.getLogger(__name__)

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination,checksum,expiration"
CHECKSUM_ALGORITHMS = ("sha1", "md5", "sha256")
OFFSET_STREAM = "application/offset+octet-stream"
# The body is copied in pieces of this size, so a web process's memory does
# not grow with the film (never `request.body`, which holds it all).
READ_BYTES = 1024 * 1024


# Views --------------------------------------------------------------------


def tus_create(request, reference):
    """The creation URL of a case: POST makes a new upload."""
    return _dispatch(request, {"POST": _create}, reference)


def tus_upload(request, reference, upload_id):
    """One upload: HEAD says how far it got, PATCH adds bytes, DELETE abandons it."""
    return _dispatch(request, {"HEAD": _head, "PATCH": _patch, "DELETE": _delete}, reference, upload_id)


def _dispatch(request, handlers, reference, *args):
    """The checks every tus request passes, in the order the protocol wants them."""
    method = _effective_method(request)
    if method == "OPTIONS":
        # Only the server's capabilities, the same for everyone: no log-in needed.
        return _options()
    if method not in handlers:
        return _tus_response(405, "Method not allowed.", {"Allow": ", ".join(["OPTIONS", *handlers])})
    if not request.user.is_authenticated:
        return _tus_response(403, "Log in to upload films.")
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        return _tus_response(412, "This server speaks tus 1.0.0.", {"Tus-Version": TUS_VERSION})
    try:
        case = get_case_for_user(request, reference, edit=True)
        return handlers[method](request, case, *args)
    except Http404:
        return _tus_response(404, "Upload not found.")
    except PermissionDenied:
        return _tus_response(403, "Only the case's practitioner can upload films to it.")


def _effective_method(request) -> str:
    # The spec lets clients that cannot send PATCH or DELETE tunnel them through
    # X-HTTP-Method-Override. Honoured on POST only: a POST has passed the CSRF
    # check, which a GET or HEAD never does.
    override = request.headers.get("X-HTTP-Method-Override", "").strip().upper()
    return override if request.method == "POST" and override else request.method


def _options():
    return _tus_response(
        204,
        headers={
            "Tus-Version": TUS_VERSION,
            "Tus-Extension": TUS_EXTENSIONS,
            "Tus-Max-Size": str(settings.VIG_MAX_UPLOAD_BYTES),
            "Tus-Checksum-Algorithm": ",".join(CHECKSUM_ALGORITHMS),
        },
    )


def _create(request, case):
    if "Upload-Defer-Length" in request.headers:
        return _tus_response(400, "Send Upload-Length: uploads of unknown size are not supported.")
    length = _non_negative_int(request.headers.get("Upload-Length"))
    if length is None:
        return _tus_response(400, "Upload-Length must be the film's size in bytes.")
    if length == 0:
        return _tus_response(400, "The film is empty.")
    if length > settings.VIG_MAX_UPLOAD_BYTES:
        return _tus_response(413, f"The film is larger than the {_size_text(settings.VIG_MAX_UPLOAD_BYTES)} limit.")
    try:
        metadata = _parse_metadata(request.headers.get("Upload-Metadata", ""))
    except ValueError:
        return _tus_response(400, "Upload-Metadata is not valid.")

    upload = FilmUpload(
        case=case,
        created_by=request.user,
        length=length,
        filename=_display_name(metadata.get("filename", b"")),
        expires_at=FilmUpload.expiry_from_now(),
    )
    # The file before the row: a crash in between leaves an orphan file, which
    # expire_abandoned_uploads() sweeps, never a row whose bytes have nowhere to go.
    # 0o600: films are personal data about children.
    os.close(os.open(upload.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    with transaction.atomic():
        upload.save()
        record(request, AuditEvent.Action.CREATE, upload, summary="film upload started")
    location = request.build_absolute_uri(
        reverse("clips:tus_upload", kwargs={"reference": case.reference, "upload_id": upload.pk})
    )
    return _tus_response(201, headers={"Location": location, **_expiry_header(upload)})


def _head(request, case, upload_id):
    upload = _get_upload(request, case, upload_id)
    headers = {"Upload-Offset": str(upload.offset), "Upload-Length": str(upload.length), **_expiry_header(upload)}
    if upload.filename:
        # The spec asks for the metadata back; we keep only the (cleaned) name.
        headers["Upload-Metadata"] = "filename " + base64.b64encode(upload.filename.encode()).decode("ascii")
    return _tus_response(200, headers=headers)


def _patch(request, case, upload_id):
    upload = _get_upload(request, case, upload_id)
    if request.content_type != OFFSET_STREAM:
        return _tus_response(415, f"Send the bytes as {OFFSET_STREAM}.")
    offset = _non_negative_int(request.headers.get("Upload-Offset"))
    if offset is None:
        return _tus_response(400, "Upload-Offset must be a number of bytes.")
    size = _non_negative_int(request.META.get("CONTENT_LENGTH"))
    if size is None:
        return _tus_response(411, "Send a Content-Length.")
    checksum = request.headers.get("Upload-Checksum")
    algorithm, digest = _parse_checksum(checksum) if checksum is not None else (None, None)
    if checksum is not None and algorithm is None:
        return _tus_response(400, "Upload-Checksum must be sha1, md5 or sha256 and a base64 digest.")

    try:
        part = open(upload.path, "r+b")  # closed by the with below; "r+b" never creates
    except FileNotFoundError:
        _discard(upload)  # its bytes are gone: the client must start again
        raise Http404 from None
    with part:
        if not _try_lock(part):
            return _tus_response(409, "Another request is still sending this upload.")
        # Read again under the lock: another PATCH may have finished since we looked.
        stored = FilmUpload.objects.filter(pk=upload.pk).values_list("offset", flat=True).first()
        if stored is None:
            raise Http404
        if offset != stored:
            return _tus_response(409, f"Upload-Offset does not match: the upload is at byte {stored}.")
        if offset + size > upload.length:
            return _tus_response(413, "This request would go past the end of the film.")
        return _append(request, upload, part, offset, size, algorithm, digest)


def _append(request, upload, part, offset, size, algorithm, digest):
    """Write the body at `offset`, make it durable, then move the offset on."""
    part.truncate(offset)  # bytes past the offset were never acknowledged (a crash mid-write)
    part.seek(offset)
    hasher = hashlib.new(algorithm, usedforsecurity=False) if algorithm else None
    received = _copy_body(request, part, size, hasher)
    # On disk before we tell the client the new offset: a promised byte is never lost.
    part.flush()
    os.fsync(part.fileno())
    if hasher is not None and (received < size or hasher.digest() != digest):
        # A body cut short cannot match its checksum either. Nothing of it is kept.
        _rewind(part, offset)
        return _tus_response(460, "The checksum does not match: the bytes were discarded.", reason="Checksum Mismatch")
    if received < size:
        logger.info("Upload body ended early: kept %d of %d bytes", received, size)

    new_offset, expires_at = offset + received, FilmUpload.expiry_from_now()
    # Conditional, so that if the upload changed under us (deleted, expired, or a
    # second writer where file locks do not work) this request loses cleanly.
    if not FilmUpload.objects.filter(pk=upload.pk, offset=offset).update(offset=new_offset, expires_at=expires_at):
        _rewind(part, offset)
        return _tus_response(409, "The upload changed while this request was arriving.")
    # Each chunk received pushes the expiry on: only uploads left alone expire.
    upload.offset, upload.expires_at = new_offset, expires_at
    return _tus_response(204, headers={"Upload-Offset": str(new_offset), **_expiry_header(upload)})


def _delete(request, case, upload_id):
    upload = _get_upload(request, case, upload_id)
    record(request, AuditEvent.Action.DELETE, upload, summary="film upload cancelled")
    _discard(upload)
    return _tus_response(204)


# The parts ----------------------------------------------------------------


def _get_upload(request, case, upload_id) -> FilmUpload:
    """The user's own upload on this case, or 404. An expired one is removed now."""
    upload = FilmUpload.objects.filter(pk=upload_id, case=case, created_by=request.user).first()
    if upload is None:
        raise Http404
    if upload.is_expired:
        _discard(upload)
        raise Http404
    return upload


def _discard(upload: FilmUpload) -> None:
    path = upload.path  # before delete(), which clears the id the path is named by
    upload.delete()
    path.unlink(missing_ok=True)


def _copy_body(request, part, size: int, hasher) -> int:
    """Copy up to `size` bytes of the body to `part`; return how many arrived.

    A body that ends early (the phone lost its signal) is not an error: what
    arrived is kept and the client resumes from there, as the spec asks.
    """
    received = 0
    while received < size:
        try:
            data = request.read(min(READ_BYTES, size - received))
        except OSError:  # UnreadablePostError, a reset connection, a timeout
            break
        if not data:
            break
        part.write(data)
        if hasher is not None:
            hasher.update(data)
        received += len(data)
    return received


def _rewind(part, offset: int) -> None:
    part.truncate(offset)
    part.flush()
    os.fsync(part.fileno())


def _try_lock(part) -> bool:
    # One writer per upload: a client retrying while its first PATCH is still
    # arriving must not write over it. flock is per open file, so this works
    # between threads and processes on one machine; released when part closes.
    try:
        fcntl.flock(part.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _non_negative_int(value: str | None) -> int | None:
    # ASCII digits only (int() would take "+5", " 5", "٥"); at most 18 fit a BigIntegerField.
    if value is None or not re.fullmatch(r"[0-9]{1,18}", value):
        return None
    return int(value)


def _parse_metadata(header: str) -> dict[str, bytes]:
    """'filename ZmlsbS5tcDQ=,filetype dmlkZW8vbXA0' -> {key: bytes}; ValueError if malformed."""
    metadata = {}
    for pair in filter(None, (item.strip() for item in header.split(","))):
        key, _, value = pair.partition(" ")
        if key in metadata:
            raise ValueError("duplicate key")
        metadata[key] = base64.b64decode(value.strip(), validate=True)  # binascii.Error is a ValueError
    return metadata


def _parse_checksum(header: str) -> tuple[str | None, bytes | None]:
    algorithm, _, encoded = header.strip().partition(" ")
    if algorithm not in CHECKSUM_ALGORITHMS:
        return None, None
    try:
        return algorithm, base64.b64decode(encoded.strip(), validate=True)
    except binascii.Error:
        return None, None


def _display_name(raw: bytes) -> str:
    """The client's file name, cleaned for display. Never used to build a path."""
    name = re.split(r"[/\\]", raw.decode("utf-8", errors="replace"))[-1]  # "C:\fakepath\film.mp4"
    return "".join(ch for ch in name if ch.isprintable()).strip()[:255]


def _size_text(size: int) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"


def _expiry_header(upload: FilmUpload) -> dict[str, str]:
    return {"Upload-Expires": http_date(upload.expires_at.timestamp())}


def _tus_response(status: int, text: str = "", headers=None, reason=None) -> HttpResponse:
    response = HttpResponse(text, status=status, reason=reason, content_type="text/plain; charset=utf-8")
    if not text:
        del response["Content-Type"]
    # The spec asks for Tus-Resumable on every response; no-store because an
    # offset from a cache would make a client resume from the wrong byte.
    response["Tus-Resumable"] = TUS_VERSION
    response["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response[name] = value
    return response


# Housekeeping -------------------------------------------------------------


def expire_abandoned_uploads(now=None) -> int:
    """Remove uploads nobody finished in time, and upload files with no upload.

    Run it periodically (hourly is plenty). Returns how many it removed. Logs
    counts only: file names come from clients and may name a child.
    """
    now = now or timezone.now()
    expired = 0
    for upload_id in FilmUpload.objects.filter(expires_at__lte=now).values_list("pk", flat=True):
        # Conditional: a PATCH arriving meanwhile may have pushed the expiry on.
        deleted, _ = FilmUpload.objects.filter(pk=upload_id, expires_at__lte=now).delete()
        if deleted:
            FilmUpload(pk=upload_id).path.unlink(missing_ok=True)
            expired += 1

    # Files with no row: a crash between writing one and saving (or deleting)
    # the other. Only old ones: a new upload's file exists a moment before its row.
    known = {f"{pk}.part" for pk in FilmUpload.objects.values_list("pk", flat=True)}
    cutoff = (now - timedelta(hours=settings.VIG_UPLOAD_EXPIRY_HOURS)).timestamp()
    orphans = 0
    for path in settings.VIG_UPLOAD_DIR.glob("*.part"):
        try:
            if path.name not in known and path.stat().st_mtime < cutoff:
                path.unlink()
                orphans += 1
        except FileNotFoundError:
            continue
    logger.info("Removed %d expired film uploads and %d orphaned upload files", expired, orphans)
    return expired + orphans
