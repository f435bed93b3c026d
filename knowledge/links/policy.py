"""Which addresses a link fetch may connect to.

Fetching a URL a stranger sent is a server-side request forgery risk, so every hop is vetted:
only ``http``/``https`` on the standard ports, and the host is resolved once per hop and *every*
address it resolves to must be public.  Public means: outside every special-purpose range of
IANA's IPv4 and IPv6 registries (an explicit deny-list: ``ipaddress.is_global`` alone counts
192.0.0.8 or the deprecated site-local fec0::/10 as public), IPv6 only in global unicast
2000::/3, and no IPv6 form that embeds a non-public IPv4 address.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]

STANDARD_PORTS = frozenset({80, 443})

# IANA IPv4 Special-Purpose Address Registry (and multicast, reserved, broadcast), whole blocks:
# the few entries inside them marked globally reachable (anycast services) are never articles.
SPECIAL_IPV4 = tuple(
    ipaddress.IPv4Network(block)
    for block in (
        "0.0.0.0/8",  # "this network"
        "10.0.0.0/8",  # private
        "100.64.0.0/10",  # shared address space (carrier-grade NAT)
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local (cloud metadata services)
        "172.16.0.0/12",  # private
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.31.196.0/24",  # AS112
        "192.52.193.0/24",  # AMT
        "192.88.99.0/24",  # 6to4 relay anycast (deprecated)
        "192.168.0.0/16",  # private
        "192.175.48.0/24",  # direct delegation AS112
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and the limited broadcast address
    )
)
GLOBAL_UNICAST_IPV6 = ipaddress.IPv6Network("2000::/3")
# IANA IPv6 Special-Purpose Address Registry, blocks inside 2000::/3 (everything outside it is
# refused anyway: loopback, unspecified, mapped, ULA fc00::/7, link-local, site-local, multicast).
SPECIAL_IPV6 = tuple(
    ipaddress.IPv6Network(block)
    for block in (
        "2001::/23",  # IETF protocol assignments (Teredo, ORCHID, benchmarking, ...)
        "2001:db8::/32",  # documentation
        "2002::/16",  # 6to4
        "3fff::/20",  # documentation
    )
)
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # well-known prefix: judged by the IPv4 inside


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address carries (mapped, 6to4, Teredo, NAT64)."""
    found = [a for a in (ip.ipv4_mapped, ip.sixtofour) if a is not None]
    if ip.teredo is not None:
        found.extend(ip.teredo)
    if ip in NAT64:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def is_public_address(ip: IPAddress) -> bool:
    """True for a globally routable unicast address; False for anything internal or special."""
    if isinstance(ip, ipaddress.IPv4Address):
        return ip.is_global and not any(ip in block for block in SPECIAL_IPV4)
    embedded = _embedded_ipv4(ip)
    if ip in NAT64:
        return all(is_public_address(inner) for inner in embedded)
    if embedded or ip not in GLOBAL_UNICAST_IPV6 or not ip.is_global:
        return False
    return not any(ip in block for block in SPECIAL_IPV6)


@dataclass(frozen=True)
class AddressPolicy:
    """Where a link fetch may connect: public addresses on the standard ports.

    `allowed_networks` are explicit exceptions (a test allows its loopback server with
    ``AddressPolicy(ports=frozenset({port}), allowed_networks=(ip_network("127.0.0.1/32"),))``).
    """

    ports: frozenset[int] = STANDARD_PORTS
    allowed_networks: tuple[IPNetwork, ...] = ()

    def allows_port(self, port: int) -> bool:
        return port in self.ports

    def allows_address(self, ip: IPAddress) -> bool:
        if any(ip.version == net.version and ip in net for net in self.allowed_networks):
            return True
        return is_public_address(ip)


async def system_resolver(host: str, port: int) -> list[str]:
    """The host's addresses from the system resolver (an IP literal resolves to itself)."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class RefusedURL(Exception):
    """The URL may not be fetched (scheme, port, address, redirects, content)."""


def default_port(url: httpx.URL) -> int:
    return url.port or (443 if url.scheme == "https" else 80)


async def vetted_address(url: httpx.URL, policy: AddressPolicy, resolver: Resolver) -> str:
    """The address to connect to for `url`, resolved once; RefusedURL unless the scheme, the
    port and every address the host resolves to are allowed."""
    if url.scheme not in ("http", "https"):
        raise RefusedURL(f"scheme {url.scheme!r} is not http or https")
    host = url.raw_host.decode("ascii")
    if not host:
        raise RefusedURL("no host")
    port = default_port(url)
    if not policy.allows_port(port):
        raise RefusedURL(f"port {port} is not a standard web port")
    try:
        addresses = [ipaddress.ip_address(a) for a in await resolver(host, port)]
    except (OSError, ValueError) as exc:
        raise RefusedURL(f"cannot resolve the host ({type(exc).__name__})") from None
    if not addresses:
        raise RefusedURL("the host has no address")
    refused = [a for a in addresses if not policy.allows_address(a)]
    if refused:
        raise RefusedURL(f"the host resolves to a non-public address ({refused[0]})")
    return str(addresses[0])
