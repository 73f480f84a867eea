"""The client's address when the site is reached through our own reverse proxy.

Behind nginx, every request reaches gunicorn from nginx, so REMOTE_ADDR is
nginx's address for every client: the audit log would name the proxy, the
letter links' guess counters (letters.links) and log-in lock-outs (axes) would
count all clients as one. This middleware puts the client's address back in
REMOTE_ADDR, and only for requests that come from a proxy the operator has
listed in VIG_TRUSTED_PROXIES; X-Forwarded-For from anyone else is ignored.
"""

import functools
import ipaddress
from collections.abc import Iterable

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str]) -> list[Network]:
    """Addresses or networks (`127.0.0.1`, `10.0.0.0/8`, `::1`); ValueError names a bad one."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(f"not an IP address or network: {value!r}") from None
    return networks


def _trusted(address: str, networks: list[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(remote_addr: str, forwarded_for: str, networks: list[Network]) -> str:
    """The address of the client: walk X-Forwarded-For from the right (the hop our proxy added)
    past every trusted proxy; the first address that is not one is the client. A request that
    did not come from a trusted proxy keeps its own address, whatever it claims."""
    if not networks or not _trusted(remote_addr, networks):
        return remote_addr
    for hop in reversed([part.strip() for part in forwarded_for.split(",") if part.strip()]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return remote_addr  # garbage in the header: trust nothing in it
        if not _trusted(hop, networks):
            return hop
    return remote_addr


@functools.lru_cache(maxsize=4)
def _networks(values: tuple[str, ...]) -> list[Network]:
    return parse_networks(values)


class TrustedProxyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        networks = _networks(tuple(settings.VIG_TRUSTED_PROXIES))
        if networks:
            meta = request.META
            meta["REMOTE_ADDR"] = client_address(
                meta.get("REMOTE_ADDR", ""), meta.get("HTTP_X_FORWARDED_FOR", ""), networks
            )
        return self.get_response(request)
