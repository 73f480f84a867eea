"""What is held about a case: every row that hangs off it and every file those rows name.

Both are found from Django's model metadata rather than from a list of models,
so a model added later that points at a case (or at anything of a case) with a
cascading foreign key is erased and exported with it, and any FileField it has
is found without changing this module.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, models
from django.db.models.deletion import Collector


@dataclass(frozen=True)
class HeldFile:
    """One stored file: the row and field naming it, and the storage holding it."""

    label: str  # "clips.film"
    field: str  # "original"
    pk: object
    storage: object
    name: str


@dataclass
class Holdings:
    rows: dict[type[models.Model], list[models.Model]] = field(default_factory=dict)
    # Scratch files on a web machine's disk that no FileField names (an unfinished upload).
    local_files: list[Path] = field(default_factory=list)

    def files(self) -> list[HeldFile]:
        held = []
        for model, objs in self.rows.items():
            file_fields = [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]
            for obj in objs:
                for f in file_fields:
                    fieldfile = getattr(obj, f.attname)
                    if fieldfile:
                        label = model._meta.label_lower
                        held.append(HeldFile(label, f.name, obj.pk, fieldfile.storage, fieldfile.name))
        return held

    def counts(self) -> dict[str, int]:
        return {model._meta.label_lower: len(objs) for model, objs in self.rows.items() if objs}

    def of(self, model: type[models.Model]) -> list[models.Model]:
        return self.rows.get(model, [])


def collect(objs: Iterable[models.Model]) -> Holdings:
    """Every row that deleting `objs` would delete (the objects themselves included), by model.

    Django's deletion Collector follows every CASCADE from the objects down,
    exactly as `delete()` will. Rows it would only update (SET_NULL, such as
    the audit log's link to the case) are not held data of the case and stay.
    Many-to-many link rows are left out: they are the m2m fields of their owners.
    """
    objs = list(objs)
    rows: dict[type[models.Model], dict] = defaultdict(dict)
    if objs:
        collector = Collector(using=DEFAULT_DB_ALIAS)
        by_model = defaultdict(list)
        for obj in objs:
            by_model[type(obj)].append(obj)
        for group in by_model.values():
            collector.collect(group)
        for model, instances in collector.data.items():
            for obj in instances:
                rows[model][obj.pk] = obj
        # Rows of models with no relations of their own are not loaded by the
        # collector, only queried for deletion: load them.
        for qs in collector.fast_deletes:
            if qs.model._meta.auto_created:
                continue
            for obj in qs:
                rows[qs.model][obj.pk] = obj
    holdings = Holdings(rows={model: sorted(found.values(), key=lambda o: o.pk) for model, found in rows.items()})
    from clips.models import FilmUpload

    holdings.local_files = [Path(upload.path) for upload in holdings.of(FilmUpload)]
    return holdings
