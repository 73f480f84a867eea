"""A subject access export built by a real Celery worker, queued when the administrator's request commits."""

import io
import time
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from dataprotection.models import SubjectAccessExport
from dataprotection.services import erase_case

from .conftest import make_everything

pytestmark = pytest.mark.worker

TIMEOUT = 120


def test_a_real_worker_builds_the_export_the_administrator_started(celery_worker_process, client, case, administrator):
    # The worker shares the default storage (the data folder), not a test's own: erased at the end.
    made = make_everything(case)
    client.force_login(administrator)
    client.post(reverse("dataprotection:export_start", kwargs={"reference": case.reference}))
    export = SubjectAccessExport.objects.get()

    deadline = time.monotonic() + TIMEOUT
    while export.status in (SubjectAccessExport.Status.QUEUED, SubjectAccessExport.Status.BUILDING):
        if time.monotonic() > deadline:
            pytest.fail(f"The export was not built in time ({export.status}).\n{celery_worker_process.log()}")
        time.sleep(0.2)
        export.refresh_from_db()

    assert export.status == SubjectAccessExport.Status.READY, export.error
    with default_storage.open(export.file.name, "rb") as fh:
        names = zipfile.ZipFile(io.BytesIO(fh.read())).namelist()
    assert {"summary.html", "data.json", "audit.json"} <= set(names)
    assert f"letters/{case.reference}/trajectletter-{made['letter'].pk}-pdf.pdf" in names

    erase_case(case=case, by=administrator, reason="Test clean-up")
    assert not default_storage.exists(export.file.name)
