"""A little supervision for the demo (seed_demo): stages, a trainee, a note to answer, a session logged."""

from datetime import timedelta

from django.utils import timezone

from .models import AccreditationStage, SupervisionNote, SupervisionSession, Trainee

# Demo figures only: a service sets its own stages' targets in Administration.
DEMO_STAGES = [
    ("Stage 1: supervised practice", 1, 3, 2, 4),
    ("Stage 2: developing guider", 2, 6, 3, 6),
    ("Stage 3: towards accreditation", 3, 9, 4, 8),
]


def add_demo_supervision(users: dict, cases: list) -> None:
    """`users` by demo username, `cases` as seed_demo made them."""
    today = timezone.localdate()
    stages = [
        AccreditationStage.objects.get_or_create(
            order=order,
            defaults={"name": name, "required_cycles": c, "required_clients": n, "required_sessions": s},
        )[0]
        for name, order, c, n, s in DEMO_STAGES
    ]
    supervisor, trainee = users["supervisor"], users["practitioner2"]
    Trainee.objects.create(user=trainee, stage=stages[0])
    trainee_cases = [case for case in cases if case.practitioner_id == trainee.pk]
    for weeks_ago in (10, 6, 2):
        session = SupervisionSession.objects.create(
            practitioner=trainee,
            supervisor=supervisor,
            recorded_by=supervisor,
            held_on=today - timedelta(weeks=weeks_ago),
            duration_minutes=60,
            notes="Went through the micro-analysis: choosing moments that answer the Helping Question.",
        )
        session.cases.set(trainee_cases[:2])
    for case in [case for case in cases if not case.is_closed][:2]:
        SupervisionNote.objects.create(
            case=case,
            author=supervisor,
            author_role=SupervisionNote.Role.SUPERVISOR,
            text="Which moment in the last film best answers the Helping Question? Bring it to supervision.",
        )
