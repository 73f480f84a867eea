"""Fixtures shared by every app's tests: a fixed cast of users around one case.

The cast is the role matrix's rows: the case's own practitioner, a practitioner
in another team, the supervisor of the case's team, a supervisor of another
team, and an administrator.
"""

import pytest

from accounts.tests.factories import UserFactory
from cases.tests.factories import CaseFactory, TeamFactory

# vig.testing.two_factor makes client.force_login(user) give a supervisor or an
# administrator a verified second factor; read it before testing log-ins.
pytest_plugins = ["vig.testing.two_factor", "vig.testing.browser", "vig.testing.worker"]


@pytest.fixture
def team(db):
    return TeamFactory(name="North team")


@pytest.fixture
def other_team(db):
    return TeamFactory(name="South team")


@pytest.fixture
def practitioner(team):
    return UserFactory(username="owner", team=team)


@pytest.fixture
def other_practitioner(other_team):
    return UserFactory(username="other", team=other_team)


@pytest.fixture
def supervisor(team):
    user = UserFactory(username="supervisor", supervisor=True)
    team.supervisors.add(user)
    return user


@pytest.fixture
def other_supervisor(other_team):
    user = UserFactory(username="othersupervisor", supervisor=True)
    other_team.supervisors.add(user)
    return user


@pytest.fixture
def administrator(db):
    return UserFactory(username="admin", administrator=True)


@pytest.fixture
def case(practitioner):
    return CaseFactory(practitioner=practitioner, team=practitioner.team)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Argon2 is deliberately slow; the tests create hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def isolated_cache(settings):
    """Each test starts with an empty cache of its own (the client-link guess counters live there).

    A fresh in-memory cache rather than clearing the configured one: clearing a
    shared file or Redis cache would reach beyond the test (RedisCache.clear
    flushes its whole database). The live server runs in a thread of this
    process, so it shares this cache with the test.
    """
    import uuid

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": f"test-{uuid.uuid4()}"}
    }


@pytest.fixture
def media_root(settings, tmp_path):
    """A storage of its own for one test, so "the files are gone" can be checked by listing it."""
    root = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": root}},
    }
    return root
