"""Every app's tests are collected by the plain `pytest` that bin/test runs.

pytest.ini lists the folders to collect; an app added without its name there
would have its tests silently left out of CI.
"""

import configparser

from django.conf import settings


def test_every_folder_with_tests_is_in_the_testpaths():
    config = configparser.ConfigParser()
    config.read(settings.BASE_DIR / "pytest.ini")
    testpaths = set(config["pytest"]["testpaths"].split())

    with_tests = {path.parent.parent.name for path in settings.BASE_DIR.glob("*/tests/__init__.py")}

    assert with_tests - testpaths == set()
