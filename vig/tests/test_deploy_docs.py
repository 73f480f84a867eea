"""The operator's guide lists every setting: each environment variable vig/settings.py reads
has a row in docs/deploy.md's table, so a new setting cannot go undocumented."""

import re

from django.conf import settings

READS = re.compile(r"""(?:environ\.get|envbool|envint|envlist)\(\s*["']([A-Z][A-Z0-9_]+)["']""")


def test_every_environment_variable_the_settings_read_is_in_the_deploy_guides_table():
    source = (settings.BASE_DIR / "vig" / "settings.py").read_text()
    read = set(READS.findall(source))
    guide = (settings.BASE_DIR / "docs" / "deploy.md").read_text()
    rows = [line for line in guide.splitlines() if line.startswith("|")]

    undocumented = {name for name in read if not any(f"`{name}`" in row for row in rows)}

    assert len(read) > 40  # the pattern still finds what the settings read
    assert undocumented == set()
