"""GET /healthz: can this process reach everything the product needs?"""

import subprocess
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from vig.celery import app as celery_app


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_broker() -> None:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=3)


def check_storage() -> None:
    # Write, read back and delete a tiny file: proves the storage is writable,
    # not just that a folder exists.
    name = default_storage.save(f"healthz/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    try:
        with default_storage.open(name) as fh:
            if fh.read() != b"ok":
                raise OSError("storage returned different bytes")
    finally:
        default_storage.delete(name)


def check_ffmpeg() -> None:
    for binary in (settings.FFMPEG_BINARY, settings.FFPROBE_BINARY):
        subprocess.run([binary, "-version"], capture_output=True, check=True, timeout=10)


CHECKS = {
    "database": check_database,
    "broker": check_broker,
    "storage": check_storage,
    "ffmpeg": check_ffmpeg,
}


def _describe(exc: Exception) -> str:
    # The class and message only: connection errors can quote URLs, so strip
    # anything that looks like credentials before showing it.
    text = f"{type(exc).__name__}: {exc}"
    return text.split("@")[-1] if "://" in text else text


@never_cache
@require_GET
def healthz(request):
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - a health check reports every failure
            results[name] = _describe(exc)
    healthy = all(value == "ok" for value in results.values())
    return JsonResponse(results, status=200 if healthy else 503)
