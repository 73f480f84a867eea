"""Supervisors read their teams' cases and never change the practitioner's record.

Every URL the role matrix marks as a write of the practitioner's record (the
practitioner gets past its gate, the team's supervisor gets 403) is sent a
POST (a PATCH for a tus upload) by the team's supervisor, with data each form
would accept: it must answer 403 and leave every row of the record as it was.
"""

import json

import pytest
from django.apps import apps

from audit.models import AuditEvent
from vig.tests.test_role_matrix import MATRIX, TUS_CREATE, url_for

RECORD_APPS = ["accounts", "cases", "clips", "vig_sessions", "letters", "supervision"]

PRACTITIONERS_WRITES = sorted(
    name for name, (_, expected, *_h) in MATRIX.items() if expected["supervisor"] == 403 and expected["owner"] != 403
)

# What a form on each page would accept, so a refusal is the gate's and not the form's.
DATA = {
    "text": "A new Helping Question",
    "description": "A new goal",
    "purpose": "training",
    "given_by": "The client",
    "given_on": "2026-10-01",
    "withdrawn_on": "2026-10-02",
    "status": "closed",
    "reason": "completed",
    "on": "2026-10-03",
    "kind": "other",
    "held_on": "2026-10-03",
    "place": "home",
    "start_frame": "0",
    "end_frame": "10",
    "caption": "A moment",
    "frame": "5",
    "note": "A note",
    "direction": "down",
}

HEADERS = {
    "clips:tus_create": TUS_CREATE,
    "clips:tus_upload": {
        "Tus-Resumable": "1.0.0",
        "Upload-Offset": "0",
        "Content-Type": "application/offset+octet-stream",
    },
}


def the_record() -> dict[str, list]:
    """Every row of every model of the record, as plain values."""
    rows = {}
    for label in RECORD_APPS:
        for model in apps.get_app_config(label).get_models():
            rows[model._meta.label] = sorted(
                json.dumps(row, sort_keys=True, default=str) for row in model.objects.values()
            )
    return rows


def test_the_practitioners_writes_are_all_checked():
    """The list comes from the matrix: if it shrank to nothing, the test below would prove nothing."""
    assert {
        "cases:edit",
        "cases:consent_withdraw",
        "clips:film_upload",
        "clips:clip_create",
        "letters:finalise",
    } <= set(PRACTITIONERS_WRITES)
    assert {"vig_sessions:review_create", "vig_sessions:case_close", "clips:tus_upload"} <= set(PRACTITIONERS_WRITES)
    assert len(PRACTITIONERS_WRITES) >= 30


@pytest.mark.parametrize("name", PRACTITIONERS_WRITES)
def test_the_teams_supervisor_is_refused_every_write_and_nothing_changes(client, world, supervisor, name):
    _, kwargs = world
    client.force_login(supervisor)
    before = the_record()
    changes_before = AuditEvent.objects.exclude(action__in=["view", "login"]).count()

    if name == "clips:tus_upload":
        response = client.generic("PATCH", url_for(name, kwargs), b"0123456789", headers=HEADERS[name])
    else:
        response = client.post(url_for(name, kwargs), DATA, headers=HEADERS.get(name))

    assert response.status_code == 403
    assert the_record() == before
    assert AuditEvent.objects.exclude(action__in=["view", "login"]).count() == changes_before
