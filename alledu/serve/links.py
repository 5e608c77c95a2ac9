"""The links a teacher hands out: one per address learners can reach, with what they need in it.

Why: a server listening on 0.0.0.0 is reached at the machine's own addresses (its Wi-Fi or
wired one), never at "0.0.0.0"; and a server with a token lets in only links that carry it.
A learner should open one link (or scan its QR code) and land in the lesson, without typing.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

import psutil

ANY_ADDRESS = frozenset({"", "0.0.0.0", "::", "*"})


@dataclass(frozen=True)
class Link:
    """A join link and where it works ("this computer only" for loopback)."""

    address: str
    url: str
    where: str


def _usable(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    return not (ip.is_link_local or ip.is_multicast or ip.is_unspecified)


def reachable_addresses(host: str) -> list[str]:
    """The addresses learners can use for a server bound to `host`: the network ones first,
    loopback last. A server bound to every address is reached at each IPv4 address of an
    interface that is up (IPv6 link-local and 169.254 addresses are left out)."""
    if host not in ANY_ADDRESS:
        return [host]
    up = {name for name, stats in psutil.net_if_stats().items() if stats.isup}
    found: list[str] = []
    for name, addrs in psutil.net_if_addrs().items():
        if name not in up:
            continue
        for addr in addrs:
            if addr.family == socket.AF_INET and _usable(addr.address) and addr.address not in found:
                found.append(addr.address)
    network = [a for a in found if not ipaddress.ip_address(a).is_loopback]
    return [*network, *(a for a in found if ipaddress.ip_address(a).is_loopback)] or ["127.0.0.1"]


def with_query(url: str, **params: str) -> str:
    """`url` with these query parameters added (empty values left out)."""
    parts = urlsplit(url)
    extra = urlencode({k: v for k, v in params.items() if v})
    query = "&".join(filter(None, [parts.query, extra]))
    return urlunsplit(parts._replace(query=query))


def join_links(host: str, port: int, base_url: str = "/", token: str = "", path: str = "", **query: str) -> list[Link]:
    """One link per reachable address, carrying the token (and e.g. a class code) when set."""
    if not base_url.startswith("/"):
        base_url = "/" + base_url
    if not base_url.endswith("/"):
        base_url += "/"
    links = []
    for address in reachable_addresses(host):
        shown = f"[{address}]" if ":" in address else address
        loopback = ipaddress.ip_address(address).is_loopback if _usable(address) else address == "localhost"
        url = with_query(f"http://{shown}:{port}{base_url}{path}", **query, token=token)
        links.append(Link(address, url, "this computer only" if loopback else "learners on this network"))
    return links


def learner_link(links: list[Link]) -> Link:
    """The link to hand out: the first one learners on the network can open."""
    return next((link for link in links if link.where != "this computer only"), links[0])


def qr_text(url: str) -> str:
    """A QR code of `url` drawn with block characters, for the teacher's terminal."""
    import io

    import segno

    out = io.StringIO()
    segno.make(url, error="m").terminal(out=out, compact=True)
    return out.getvalue()


def qr_svg(url: str, scale: int = 5, title: str = "QR code of the class link") -> str:
    """An inline SVG QR code of `url` (no image request: works offline, scales on a projector)."""
    import segno

    return segno.make(url, error="m").svg_inline(scale=scale, title=title, border=2)
