"""Where a request may go: the address policy, and one DNS answer per name for the whole run.

What flows: a host name -> ``Resolver.resolve(name)`` -> a ``Resolution`` (every address of the
answer, in connect order, or why there is none, or why the name is refused).  The checker asks it
before a request is made (the verdict says why a URL is refused), and the connection layer
(``transport.py``) asks it again when it opens a socket and connects only to the addresses of that
same cached answer: a name is looked up once per run, so a DNS answer that changes between the
check and the connection (DNS rebinding) is never seen.

``AddressPolicy.refusal(ip)`` says why an address must not be fetched (``None``: it may be):

* always refused: cloud-metadata addresses (``CLOUD_METADATA``), unspecified / "this host"
  addresses (0.0.0.0/8, ``::``), and multicast, broadcast and reserved ones (224.0.0.0/4,
  240.0.0.0/4, ff00::/8), none of which a document has reason to link to;
* link-local (169.254.0.0/16, fe80::/10): refused unless ``allow_link_local``;
* loopback (127.0.0.0/8, ``::1``): allowed unless ``refuse_loopback``;
* private (10/8, 172.16/12, 192.168/16, 100.64/10 shared, fc00::/7, fec0::/10): allowed unless
  ``refuse_private``.

An IPv6 address that carries an IPv4 address is judged by that address too, in every spelling the
network stack or a translator would route to it: IPv4-mapped (``::ffff:a.b.c.d``),
IPv4-translated (``::ffff:0:a.b.c.d``), IPv4-compatible (``::a.b.c.d``, e.g. ``::a9fe:a9fe``),
NAT64 (64:ff9b::/96, and 64:ff9b:1::/48 at every RFC 6052 prefix length), 6to4 (2002::/16),
Teredo (2001::/32, server and client) and ISATAP interface identifiers.  Integer, octal and hex
host spellings (``http://2852039166/``) need nothing of their own: the resolver turns them into
the address they mean, and that address is judged.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Instance-metadata and platform endpoints of cloud providers: a request to one from CI can
#: hand out credentials.  Always refused (``allow_link_local`` does not open them).
CLOUD_METADATA: frozenset[IPAddress] = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean, Hetzner, Oracle (v1) ...
        "169.254.169.253",  # AWS DNS resolver
        "169.254.169.123",  # AWS time sync
        "169.254.170.2",  # AWS ECS task metadata and credentials
        "169.254.170.23",  # AWS EKS pod identity agent
        "169.254.0.23",  # Tencent Cloud
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud
        "168.63.129.16",  # Azure WireServer / host agent
        "fd00:ec2::254",  # AWS IMDS over IPv6
        "fd00:ec2::253",  # AWS DNS over IPv6
        "fd00:ec2::123",  # AWS time sync over IPv6
        "fd00:ec2::23",  # AWS EKS pod identity agent over IPv6
        "fd20:ce::254",  # Google Compute Engine metadata over IPv6
    )
)

_UNSPECIFIED = (ipaddress.ip_network("0.0.0.0/8"), ipaddress.ip_network("::/128"))
_NOT_UNICAST = (
    ipaddress.ip_network("224.0.0.0/4"),
    ipaddress.ip_network("240.0.0.0/4"),  # reserved, and 255.255.255.255
    ipaddress.ip_network("ff00::/8"),
)
_LINK_LOCAL = (ipaddress.ip_network("169.254.0.0/16"), ipaddress.ip_network("fe80::/10"))
_LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
_PRIVATE = (
    ipaddress.ip_network("10.0.0.0/8"),
    ipaddress.ip_network("172.16.0.0/12"),
    ipaddress.ip_network("192.168.0.0/16"),
    ipaddress.ip_network("100.64.0.0/10"),  # shared address space (carrier-grade NAT)
    ipaddress.ip_network("fc00::/7"),  # unique local
    ipaddress.ip_network("fec0::/10"),  # site-local (deprecated)
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_COMPATIBLE = ipaddress.ip_network("::/96")
_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")


def _in(ip: IPAddress, nets: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]) -> bool:
    return any(ip.version == n.version and ip in n for n in nets)


def _v4(value: int) -> ipaddress.IPv4Address:
    return ipaddress.IPv4Address(value & 0xFFFFFFFF)


def embedded_ipv4(ip: IPAddress) -> list[tuple[ipaddress.IPv4Address, str]]:
    """The IPv4 addresses an IPv6 address carries, each with the name of its spelling."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return []
    n = int(ip)
    out: list[tuple[ipaddress.IPv4Address, str]] = []
    if ip.ipv4_mapped is not None:
        out.append((ip.ipv4_mapped, "IPv4-mapped"))
    if ip in _TRANSLATED:
        out.append((_v4(n), "IPv4-translated"))
    if ip in _COMPATIBLE and n > 1:  # not :: or ::1
        out.append((_v4(n), "IPv4-compatible"))
    if ip in _NAT64:
        out.append((_v4(n), "NAT64"))
    if ip in _NAT64_LOCAL:  # RFC 6052 section 2.2: the IPv4 bits skip bits 64..71 ("u")
        b = n.to_bytes(16, "big")
        for length, octets in (
            (48, b[6:8] + b[9:11]),
            (56, b[7:8] + b[9:12]),
            (64, b[9:13]),
            (96, b[12:16]),
        ):
            out.append((ipaddress.IPv4Address(octets), f"NAT64 (/{length})"))
    if ip.sixtofour is not None:
        out.append((ip.sixtofour, "6to4"))
    if ip.teredo is not None:
        server, client = ip.teredo
        out += [(server, "Teredo server"), (client, "Teredo client")]
    if (n >> 32) & 0xFDFFFFFF == 0x00005EFE:  # ISATAP interface id (0:5efe / 200:5efe)
        out.append((_v4(n), "ISATAP"))
    return out


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses a request may connect to (see the module docstring)."""

    allow_link_local: bool = False
    refuse_private: bool = False
    refuse_loopback: bool = False

    def refusal(self, address: str | IPAddress) -> str | None:
        """Why ``address`` must not be fetched, or ``None`` when it may be."""
        try:
            ip = (
                address
                if not isinstance(address, str)
                else ipaddress.ip_address(address.split("%", 1)[0].strip("[]"))
            )
        except ValueError:
            return None  # not an address (a name): the resolver judges what it resolves to
        why = self._kind(ip)
        if why:
            return f"{why} address {ip}"
        for inner, spelling in embedded_ipv4(ip):
            if _in(inner, _UNSPECIFIED):
                continue  # zero bits of another layout (an RFC 6052 prefix length), not an address
            why = self._kind(inner)
            if why:
                return f"{why} address {inner} ({spelling} spelling {ip})"
        return None

    def _kind(self, ip: IPAddress) -> str | None:
        if ip in CLOUD_METADATA:
            return "cloud-metadata"
        if _in(ip, _UNSPECIFIED):
            return "unspecified ('this host')"
        if _in(ip, _NOT_UNICAST):
            return "multicast, broadcast or reserved"
        if _in(ip, _LINK_LOCAL) and not self.allow_link_local:
            return "link-local"
        if _in(ip, _LOOPBACK) and self.refuse_loopback:
            return "loopback"
        if _in(ip, _PRIVATE) and self.refuse_private:
            return "private"
        return None

    def how_to_allow(self, reason: str) -> str:
        """The option that would allow what ``reason`` refused ("" when none does: a refused
        loopback or private address is the operator's own ``refuse_*`` choice)."""
        if reason.startswith("link-local"):
            return "--allow-link-local / karabakh_linkcheck_allow_link_local"
        return ""


@dataclass(frozen=True)
class Resolution:
    """One name's DNS answer for this run: ``addresses`` in connect order (all of them allowed),
    or ``error`` (no answer), or ``refusal`` (an address of the answer is refused)."""

    name: str
    addresses: tuple[str, ...] = ()
    error: str = ""
    refusal: str = ""


def host_key(name: str) -> str:
    """How a host name is looked up and cached: lower case, no brackets, no trailing dot,
    IDNA-encoded (so the checker and the connection layer name it the same way)."""
    key = name.strip().strip("[]").lower().rstrip(".")
    if not key.isascii():
        with contextlib.suppress(UnicodeError):
            key = key.encode("idna").decode("ascii")
    return key


def _same_address(name: str, address: str) -> bool:
    """Is ``name`` the address itself (an address literal, in any spelling of it)?"""
    try:
        return ipaddress.ip_address(name) == ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False


class Resolver:
    """Looks each name up once per run (thread-safe) and judges every address of the answer."""

    def __init__(self, policy: AddressPolicy) -> None:
        self.policy = policy
        self._cache: dict[tuple[str, bool], Resolution] = {}
        self._locks: dict[tuple[str, bool], threading.Lock] = {}
        self._lock = threading.Lock()

    def resolve(self, name: str, *, judge: bool = True) -> Resolution:
        """The cached answer for ``name``; ``judge=False`` for a proxy the operator configured
        (pinned to its first answer like any name, but not subject to the address policy)."""
        key = (host_key(name), judge)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:  # one look-up per name, also when several threads ask at once
            hit = self._cache.get(key)
            if hit is None:
                hit = self._cache[key] = self._lookup(key[0], judge)
            return hit

    def _lookup(self, name: str, judge: bool) -> Resolution:
        try:
            infos = socket.getaddrinfo(name, None, 0, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        except (OSError, UnicodeError) as exc:
            why = getattr(exc, "strerror", None) or str(exc)
            return Resolution(name, error=f"cannot resolve host {name}: {why}")
        addresses = tuple(dict.fromkeys(str(info[4][0]) for info in infos))
        if not addresses:
            return Resolution(name, error=f"cannot resolve host {name}: no address")
        if judge:
            for address in addresses:
                why = self.policy.refusal(address)
                if why:
                    shown = "" if _same_address(name, address) else f"{name} resolves to "
                    allow = self.policy.how_to_allow(why)
                    hint = f"; allow with {allow}" if allow else ""
                    return Resolution(
                        name, addresses, refusal=f"refused: {shown}{why} (not fetched{hint})"
                    )
        return Resolution(name, addresses)
