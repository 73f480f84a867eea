"""The settings module: typed environment values and a production mode that passes check --deploy."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from vig.settings import envbool, envint

ROOT = settings.BASE_DIR


def test_envbool_reads_the_usual_spellings(monkeypatch):
    monkeypatch.setenv("X_FLAG", "Yes")
    assert envbool("X_FLAG", False) is True
    monkeypatch.setenv("X_FLAG", "off")
    assert envbool("X_FLAG", True) is False


def test_envbool_refuses_anything_else(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured):
        envbool("X_FLAG", False)


def test_envint_refuses_a_non_number(monkeypatch):
    monkeypatch.setenv("X_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured):
        envint("X_NUMBER", 1)


def run_manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_production_mode_passes_check_deploy_with_no_warnings(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="k" * 20 + "a-long-random-production-secret-value-0123456789",
        DJANGO_ALLOWED_HOSTS="vig.example.org",
        VIG_DATA_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_mode_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_manage("check", DJANGO_DEBUG="false", VIG_DATA_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr


def test_no_migrations_are_missing(tmp_path):
    result = run_manage("makemigrations", "--check", "--dry-run", VIG_DATA_DIR=str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_mode_sends_https_only_headers_and_cookies(tmp_path):
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_CONTENT_TYPE_NOSNIFF, "
        "s.X_FRAME_OPTIONS, s.CONTENT_SECURITY_POLICY['DIRECTIVES']['script-src'])",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="k" * 20 + "a-long-random-production-secret-value-0123456789",
        DJANGO_ALLOWED_HOSTS="vig.example.org",
        VIG_DATA_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["31536000", "True", "True", "True", "DENY", "[\"'self'\"]"]


def test_media_from_a_bucket_is_allowed_by_the_csp_only_in_s3_mode(tmp_path):
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; d = s.CONTENT_SECURITY_POLICY['DIRECTIVES']; "
        "print(' '.join(d['media-src']), '|', ' '.join(d['img-src']))",
        AWS_STORAGE_BUCKET_NAME="vig-media",
        AWS_S3_ENDPOINT_URL="https://s3.example.org:9000",
        VIG_DATA_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    media, images = result.stdout.strip().split(" | ")
    assert media.split() == ["'self'", "https://s3.example.org:9000", "https://vig-media.s3.example.org:9000"]
    assert "https://s3.example.org:9000" in images.split()
