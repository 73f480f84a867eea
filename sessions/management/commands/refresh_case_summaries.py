"""Rewrite the caseload's stored summaries from the rules: after a deploy that changes them, or by hand."""

from django.core.management.base import BaseCommand

from cases.models import Case
from sessions.summary import refresh_case_summaries


class Command(BaseCommand):
    help = "Rewrite the stored caseload summary of every case (or of the references given) from sessions.progress."

    def add_arguments(self, parser):
        parser.add_argument("references", nargs="*", help="Only these cases (e.g. VIG-2026-0042).")

    def handle(self, *args, references, **options):
        cases = Case.objects.filter(reference__in=references) if references else Case.objects.all()
        count = refresh_case_summaries(cases)
        self.stdout.write(f"Refreshed the summaries of {count} case{'' if count == 1 else 's'}.")
