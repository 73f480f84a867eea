"""The client's address behind our reverse proxy (vig.proxy): believed only from the proxies listed."""

import pytest

from audit.models import AuditEvent
from vig.proxy import client_address, parse_networks
from vig.tests.test_settings import run_manage

PROXY = "127.0.0.1"
CLIENT = "203.0.113.7"


def recorded_address(client, case, practitioner, **meta) -> str:
    client.force_login(practitioner)
    assert client.get(case.get_absolute_url(), **meta).status_code == 200
    return AuditEvent.objects.filter(case=case, action=AuditEvent.Action.VIEW).latest("pk").ip_address


def test_behind_a_trusted_proxy_the_audit_log_records_the_client(client, case, practitioner, settings):
    settings.VIG_TRUSTED_PROXIES = [PROXY]
    assert recorded_address(client, case, practitioner, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=CLIENT) == CLIENT


def test_a_client_that_is_not_a_trusted_proxy_cannot_choose_its_address(client, case, practitioner, settings):
    settings.VIG_TRUSTED_PROXIES = [PROXY]
    address = recorded_address(client, case, practitioner, REMOTE_ADDR="198.51.100.2", HTTP_X_FORWARDED_FOR=CLIENT)
    assert address == "198.51.100.2"


def test_without_trusted_proxies_forwarded_for_is_ignored(client, case, practitioner, settings):
    settings.VIG_TRUSTED_PROXIES = []
    assert recorded_address(client, case, practitioner, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=CLIENT) == PROXY


@pytest.mark.parametrize(
    "forwarded_for,expected",
    [
        (CLIENT, CLIENT),
        # What the client sent first, then the hops our proxies added: the last untrusted one counts.
        (f"192.0.2.66, {CLIENT}, 10.1.2.3", CLIENT),
        ("10.1.2.3", PROXY),  # only proxies: no client address to believe
        ("", PROXY),
        (f"not-an-address, {CLIENT}", CLIENT),
        (f"{CLIENT}, not-an-address", PROXY),  # our proxy's own hop is garbage: believe none of it
        ("2001:db8::5", "2001:db8::5"),
    ],
)
def test_the_client_is_the_last_hop_that_is_not_a_trusted_proxy(forwarded_for, expected):
    networks = parse_networks([PROXY, "10.0.0.0/8"])
    assert client_address(PROXY, forwarded_for, networks) == expected


def test_a_malformed_trusted_proxy_stops_start_up(tmp_path):
    result = run_manage("check", VIG_TRUSTED_PROXIES="nginx.internal", VIG_DATA_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "VIG_TRUSTED_PROXIES must be IP addresses or networks" in result.stderr
