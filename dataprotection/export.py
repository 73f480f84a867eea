"""Building a subject access export: everything held about one client, as one zip.

`build_export` is the whole job, top to bottom: claim the export, gather each
of the client's cases (the same discovery as erasure, so later models are
included), write the files into a zip in a scratch folder, save the zip through
the storage API, mark it ready. The zip holds:

    summary.html   a readable account, one section per kind of record
    data.json      every row, as data (secrets such as link tokens left out)
    audit.json     the audit events about the cases
    films/ clips/ stills/ letters/   the media, one folder per case reference
"""

import json
import logging
import shutil
import time
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePosixPath

from django.conf import settings
from django.core import serializers
from django.core.files import File
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.template.loader import render_to_string
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import Case
from clips.pipeline import scratch_folder

from .holdings import HeldFile, Holdings, collect
from .models import SubjectAccessExport

logger = logging.getLogger(__name__)

Status = SubjectAccessExport.Status

PROGRESS_INTERVAL_SECONDS = 1.0

# Where each kind of file goes in the zip. None: left out because it is a
# smaller copy of a file that is included (posters, thumbnail strips).
# A FileField not named here (a model added later) goes under other/.
FOLDERS = {
    ("clips.film", "original"): "films",
    ("clips.film", "playback"): "films",
    ("clips.film", "poster"): None,
    ("clips.film", "thumbnails"): None,
    ("clips.clip", "video"): "clips",
    ("clips.clip", "poster"): None,
    ("clips.still", "image"): "stills",
    ("letters.trajectletter", "pdf"): "letters",
}

# Fields that are secrets or machinery, not information about the client.
SECRET_WORDS = ("token", "secret", "password", "hash")
MACHINERY = {"key", "lease_until", "attempts", "progress", "step", "error", "marks_version", "render_status"}


def build_export(export_id: int) -> None:
    claimed = SubjectAccessExport.objects.filter(pk=export_id, status=Status.QUEUED).update(
        status=Status.BUILDING, step="Gathering the records"
    )
    if not claimed:
        return
    export = SubjectAccessExport.objects.select_related("client").get(pk=export_id)
    progress = Progress(export)
    try:
        cases = list(
            Case.objects.filter(client=export.client)
            .select_related("client", "child", "practitioner", "team")
            .order_by("opened_on", "pk")
        )
        gathered = [(case, collect([case])) for case in cases]
        files = [
            (case, held, arcname) for case, holdings in gathered for held, arcname in _files_to_include(case, holdings)
        ]
        progress.total = len(files) + 3
        with scratch_folder() as work:
            path = work / "export.zip"
            with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                for case, held, arcname in files:
                    progress.step(f"Adding the files of {case.reference}")
                    _add_file(zf, held, arcname)
                progress.step("Writing the data")
                zf.writestr("data.json", json.dumps(_data(export, gathered), cls=DjangoJSONEncoder, indent=2))
                progress.step("Writing the audit log")
                zf.writestr("audit.json", json.dumps(_audit(cases), cls=DjangoJSONEncoder, indent=2))
                progress.step("Writing the summary")
                names = {(held.label, held.pk, held.field): arcname for _, held, arcname in files}
                zf.writestr("summary.html", _summary(export, gathered, names))
            progress.write(step="Saving the export")
            storage = export.file.storage
            with path.open("rb") as fh:
                saved = storage.save(export.storage_name(), File(fh, name="export.zip"))
            size = storage.size(saved)
        updated = SubjectAccessExport.objects.filter(pk=export.pk, status=Status.BUILDING).update(
            status=Status.READY, progress=100, step="Ready", file=saved, size=size, finished_at=timezone.now()
        )
        if not updated:  # erased or removed meanwhile: keep nothing
            storage.delete(saved)
    except Exception:
        logger.exception("subject access export %s failed", export_id)
        SubjectAccessExport.objects.filter(pk=export_id).update(
            status=Status.FAILED, error="The export could not be built. Start it again.", finished_at=timezone.now()
        )


class Progress:
    """Counts steps into a percentage, written at a bounded rate."""

    def __init__(self, export: SubjectAccessExport):
        self.export = export
        self.total = 1
        self.done = 0
        self.last_write = 0.0

    def step(self, label: str) -> None:
        percent = min(99, int(100 * self.done / max(self.total, 1)))
        self.done += 1
        if time.monotonic() - self.last_write >= PROGRESS_INTERVAL_SECONDS:
            self.write(step=label, progress=percent)

    def write(self, **fields) -> None:
        self.last_write = time.monotonic()
        SubjectAccessExport.objects.filter(pk=self.export.pk).update(**fields)


def _files_to_include(case: Case, holdings: Holdings) -> list[tuple[HeldFile, str]]:
    originals = {held.pk for held in holdings.files() if (held.label, held.field) == ("clips.film", "original")}
    chosen = []
    for held in holdings.files():
        key = (held.label, held.field)
        folder = FOLDERS.get(key, f"other/{held.label}")
        if folder is None:
            continue
        if key == ("clips.film", "playback") and held.pk in originals:
            continue  # the original is included; the playback copy is a smaller copy of it
        model = held.label.split(".")[1]
        suffix = PurePosixPath(held.name).suffix
        chosen.append((held, f"{folder}/{case.reference}/{model}-{held.pk}-{held.field}{suffix}"))
    return chosen


def _add_file(zf: zipfile.ZipFile, held: HeldFile, arcname: str) -> None:
    # Videos and images are compressed already: stored as they are.
    info = zipfile.ZipInfo(arcname, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_STORED
    with held.storage.open(held.name, "rb") as src, zf.open(info, "w", force_zip64=True) as dst:
        shutil.copyfileobj(src, dst, length=1024 * 1024)


def _serialise(objs) -> list[dict]:
    rows = serializers.serialize("python", objs)
    for row in rows:
        row["fields"] = {
            name: value for name, value in row["fields"].items() if not any(w in name for w in SECRET_WORDS)
        }
    return rows


def _data(export: SubjectAccessExport, gathered) -> dict:
    client = export.client
    children = {case.child_id: case.child for case, _ in gathered}
    return {
        "generated_at": timezone.now(),
        "client": _serialise([client])[0],
        "children": _serialise(children.values()),
        "cases": [
            {
                "reference": case.reference,
                "records": {model._meta.label_lower: _serialise(objs) for model, objs in holdings.rows.items()},
            }
            for case, holdings in gathered
        ],
    }


def _audit(cases) -> list[dict]:
    # The staff's network addresses are not the client's data: left out.
    events = AuditEvent.objects.filter(case_reference__in=[c.reference for c in cases]).order_by("at", "pk")
    return list(events.values("at", "actor_name", "action", "case_reference", "object_type", "object_label", "summary"))


# The readable summary --------------------------------------------------------


@dataclass
class Section:
    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)


def _summary(export: SubjectAccessExport, gathered, names: dict) -> str:
    cases = []
    for case, holdings in gathered:
        sections = [
            _section(model, objs, names)
            for model, objs in sorted(holdings.rows.items(), key=lambda item: _order(item[0]))
            if model is not Case
        ]
        cases.append({"case": case, "sections": [s for s in sections if s.rows]})
    return render_to_string(
        "dataprotection/export_summary.html",
        {
            "export": export,
            "client": export.client,
            "cases": cases,
            "files": sorted(names.values()),
            "generated_at": timezone.now(),
            "service_name": settings.VIG_SERVICE_NAME,
        },
    )


def _order(model) -> tuple:
    # The record first, media after, anything added later at the end.
    known = ["cases", "vig_sessions", "clips", "letters"]
    app = model._meta.app_label
    return (known.index(app) if app in known else len(known), model._meta.verbose_name_plural)


def _section(model, objs, names) -> Section:
    fields = [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key
        and f.name not in MACHINERY
        and not any(w in f.name for w in SECRET_WORDS)
        and not (f.is_relation and f.related_model is Case)
    ]
    title = str(model._meta.verbose_name_plural).capitalize()
    section = Section(title, [str(f.verbose_name).capitalize() for f in fields])
    for obj in objs:
        section.rows.append([_shown(obj, f, names) for f in fields])
    return section


def _shown(obj, f, names) -> str:
    if isinstance(f, models.FileField):
        if not getattr(obj, f.attname):
            return ""
        return names.get((obj._meta.label_lower, obj.pk, f.name), "held, not copied (a smaller copy of another file)")
    value = getattr(obj, f.attname)
    if value is None or value == "":
        return ""
    if f.choices:
        return str(getattr(obj, f"get_{f.name}_display")())
    if f.is_relation:
        return str(getattr(obj, f.name))
    if isinstance(f, models.JSONField):
        return "(in data.json)"
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%d %b %Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d %b %Y")
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)
