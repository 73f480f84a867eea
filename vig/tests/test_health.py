import pytest
from django.db import connection

from vig import health

pytestmark = pytest.mark.django_db


def test_healthz_reports_every_part_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok", "storage": "ok", "ffmpeg": "ok"}


def test_healthz_answers_503_and_names_the_failing_part(client, monkeypatch, settings):
    settings.FFMPEG_BINARY = "/nonexistent/ffmpeg"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["ffmpeg"].startswith("FileNotFoundError")
    assert body["database"] == "ok"


def test_healthz_does_not_show_credentials_of_a_broken_broker(client, monkeypatch):
    def broken():
        raise ConnectionError("cannot reach redis://vig:s3cret@10.0.0.9:6379/0")

    monkeypatch.setitem(health.CHECKS, "broker", broken)
    body = client.get("/healthz").json()
    assert "s3cret" not in body["broker"]
    assert body["broker"] != "ok"


def test_healthz_leaves_no_probe_file_behind(client, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    assert client.get("/healthz").status_code == 200
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_the_suite_runs_on_the_database_it_was_given(settings):
    """bin/test runs the suite twice in CI: this proves the second run really is on PostgreSQL."""
    import os

    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith("postgres") else "sqlite"
    assert connection.vendor == expected
