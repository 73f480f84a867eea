"""The guess counters need a cache that every web process shares: the settings choose one, never local memory."""

import json
import os
import subprocess
import sys

from django.conf import settings
from django.core.cache.backends.filebased import FileBasedCache
from django.test import RequestFactory

from letters import links

PRINT_CACHE = (
    "import json; from django.conf import settings; print(json.dumps(settings.CACHES['default'], default=str))"
)


def cache_setting(tmp_path, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "VIG_"))}
    environment.update(VIG_DATA_DIR=str(tmp_path), **env)
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PRINT_CACHE],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_one_machine_shares_a_file_cache_in_the_data_folder(tmp_path):
    cache = cache_setting(tmp_path)
    assert cache["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache"
    assert cache["LOCATION"] == str(tmp_path / "cache")


def test_a_redis_broker_brings_a_redis_cache_in_the_next_database(tmp_path):
    cache = cache_setting(tmp_path, CELERY_BROKER_URL="redis://redis.internal:6379/2")
    assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert cache["LOCATION"] == "redis://redis.internal:6379/3"


def test_vig_cache_url_wins(tmp_path):
    cache = cache_setting(
        tmp_path, CELERY_BROKER_URL="redis://redis.internal:6379/0", VIG_CACHE_URL="redis://cache.internal:6379/5"
    )
    assert cache["LOCATION"] == "redis://cache.internal:6379/5"


def test_processes_sharing_the_file_cache_share_the_count(tmp_path, monkeypatch, settings):
    """Two cache objects on one folder stand for two web processes: failures in one count in the other."""
    settings.VIG_LETTER_LINK_GUESS_LIMIT = 4
    first, second = (FileBasedCache(str(tmp_path / "cache"), {}) for _ in range(2))
    request = RequestFactory().get("/l/x/", REMOTE_ADDR="203.0.113.5")
    monkeypatch.setattr(links, "cache", first)
    for _ in range(2):
        links.note_failure(request)
    monkeypatch.setattr(links, "cache", second)
    assert not links.address_is_limited(request)
    for _ in range(2):
        links.note_failure(request)
    assert links.address_is_limited(request)
    monkeypatch.setattr(links, "cache", first)
    assert links.address_is_limited(request)
