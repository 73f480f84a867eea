"""Writes that span several case models."""

from django.db import IntegrityError, transaction
from django.db.models.functions import Length
from django.utils import timezone

from sessions.summary import refresh_case_summary

from .models import Case, Child, Client, Team


def next_reference(year: int) -> str:
    """VIG-2026-0042: the year the case opened and a running number within it."""
    prefix = f"VIG-{year}-"
    last = (
        Case.objects.filter(reference__startswith=prefix)
        # By length first, so VIG-2026-10000 sorts after VIG-2026-9999.
        .order_by(Length("reference").desc(), "-reference")
        .values_list("reference", flat=True)
        .first()
    )
    number = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{number:04d}"


def create_case(*, client: Client, child: Child, practitioner, team: Team, **case_fields) -> Case:
    """Save the client, the child and a new case with the next free reference.

    Two practitioners saving at the same moment can pick the same number; the
    unique reference then refuses the second, which takes the next one. Any
    other integrity error is a real fault and is raised as it is.
    """
    opened_on = case_fields.get("opened_on") or timezone.localdate()
    with transaction.atomic():
        client.save()
        child.save()
        for _attempt in range(5):
            reference = next_reference(opened_on.year)
            try:
                with transaction.atomic():
                    case = Case.objects.create(
                        reference=reference,
                        client=client,
                        child=child,
                        practitioner=practitioner,
                        team=team,
                        **case_fields,
                    )
                    refresh_case_summary(case)
                    return case
            except IntegrityError:
                if not Case.objects.filter(reference=reference).exists():
                    raise
        raise RuntimeError("Could not allocate a case reference after 5 attempts")
