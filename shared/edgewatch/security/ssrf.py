"""Server-side request forgery: a URL a server might fetch that points inside its own network.

A value that is a URL (or starts with ``//``) is parsed the way a browser-grade URL parser reads
its host: userinfo before the last ``@`` dropped, ``\\`` taken as ``/``, a trailing dot ignored,
and IPv4 hosts in every form the WHATWG parser accepts (``2130706433``, ``0x7f000001``,
``0177.0.0.1``, ``127.1``). It scores when the host is a cloud metadata service
(169.254.169.254, metadata.google.internal, 100.100.100.200, fd00:ec2::254), a loopback, private,
link-local or otherwise non-global address (IPv4-mapped IPv6 included), an internal name
(localhost, ``*.internal``, ``*.cluster.local``) or a wildcard-DNS name for one (``127.0.0.1.nip.io``,
``localtest.me``); and when the scheme reaches beyond HTTP (``file:``, ``gopher:``, ``dict:``,
``ldap:``, ``php:``, ``jar:`` ...). Host spellings meant to slip past a filter score on top.

Only whole values are read as URLs, so prose that mentions ``http://localhost:3000`` passes, as do
``?next=https://example.com/page`` and ``?redirect=/dashboard``; the request path is searched for
an embedded URL (``/proxy/http://10.0.0.1/``). Headers are not read for SSRF: an internal Referer
or X-Forwarded-For is normal.
"""

from __future__ import annotations

import ipaddress
import re

from .findings import Finding, ThreatClass

_SCHEME = re.compile(r"\s*(?:([a-z][a-z0-9+.-]{0,15}):([\\/]*)|(?=//))")
_EMBEDDED = re.compile(r"[a-z][a-z0-9+.-]{0,15}:[\\/]{2}")
_AUTHORITY_END = re.compile(r"[/\\?#]")
_BARE_HOST = re.compile(r"\s*\[?[0-9a-fx.:]+\]?(?::\d{1,5})?(?:/\S*)?\s*$")
_PORT = re.compile(r"^[^/]*:\d{1,5}(?:/|$)")
_WEB = frozenset({"http", "https", "ws", "wss", "ftp"})
_DANGEROUS = frozenset(
    {"file", "gopher", "dict", "ldap", "ldaps", "tftp", "jar", "netdoc", "php", "phar", "expect", "glob", "zip", "ogg"}
)
_METADATA_HOSTS = frozenset(
    {
        "metadata.google.internal",
        "metadata",
        "metadata.goog",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.azure.com",
        "metadata.tencentyun.com",
    }
)
_METADATA_IPS = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254", "169.254.169.123")
)
_INTERNAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", "broadcasthost")
_INTERNAL_SUFFIXES = (".localhost", ".internal", ".local", ".cluster.local", ".svc", ".intranet", ".corp", ".lan")
_WILDCARD_DNS = re.compile(r"(?:^|[.-])(\d{1,3}[.-]\d{1,3}[.-]\d{1,3}[.-]\d{1,3})\.(?:nip\.io|xip\.io|sslip\.io)$")
_LOOPBACK_NAMES = frozenset({"localtest.me", "lvh.me", "vcap.me", "lacolhost.com", "127-0-0-1.org.uk"})

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_ipv4(host: str) -> tuple[ipaddress.IPv4Address, bool] | None:
    """The address a WHATWG URL parser reads from ``host``, and whether it was spelt unusually."""
    parts = host.split(".")
    if parts and parts[-1] == "" and len(parts) > 1:
        parts.pop()
    if not 1 <= len(parts) <= 4:
        return None
    numbers: list[int] = []
    plain = len(parts) == 4
    for part in parts:
        if part[:2] in ("0x", "0X"):
            digits, base = part[2:] or "0", 16
        elif len(part) > 1 and part[0] == "0":
            digits, base = part[1:], 8
        else:
            digits, base = part, 10
        if not digits or len(digits) > 32 or not all(c in "0123456789abcdef"[:base] for c in digits.lower()):
            return None
        plain = plain and base == 10
        numbers.append(int(digits, base))
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        return None
    value = numbers[-1]
    for index, number in enumerate(numbers[:-1]):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value), not plain


def _address(host: str) -> tuple[Address, bool] | None:
    if host.startswith("[") and host.endswith("]"):
        try:
            v6 = ipaddress.IPv6Address(host[1:-1].split("%", 1)[0])
        except ValueError:
            return None
        mapped = v6.ipv4_mapped
        return (mapped, True) if mapped is not None else (v6, False)
    return parse_ipv4(host)


def _host(rest: str) -> str:
    authority = rest[: m.start()] if (m := _AUTHORITY_END.search(rest)) else rest
    if any(c.isspace() for c in authority.strip()):
        return ""  # "http://localhost:3000 is where I run it": prose that mentions a URL
    authority = authority.strip().rsplit("@", 1)[-1]
    if authority.startswith("["):
        return authority[: authority.find("]") + 1] if "]" in authority else authority
    return authority.split(":", 1)[0].rstrip(".")


def _host_findings(host: str, start: int, end: int, out: dict[str, Finding]) -> None:
    def hit(rule: str, score: float) -> None:
        out.setdefault(rule, Finding(rule, ThreatClass.SSRF, score, start, end))

    parsed = _address(host)
    if parsed is not None:
        address, unusual = parsed
        if address in _METADATA_IPS:
            hit("ssrf.cloud_metadata", 100)
        elif not address.is_global or address.is_multicast:
            hit("ssrf.internal_address", 85)
        if unusual:
            hit("ssrf.obfuscated_ip", 30)
        return
    if host in _METADATA_HOSTS:
        hit("ssrf.cloud_metadata", 100)
    elif host in _INTERNAL_NAMES or host.endswith(_INTERNAL_SUFFIXES):
        hit("ssrf.internal_host", 85)
    elif host in _LOOPBACK_NAMES or host.endswith(tuple("." + name for name in _LOOPBACK_NAMES)):
        hit("ssrf.rebinding_host", 85)
    elif (wildcard := _WILDCARD_DNS.search(host)) and _internal(wildcard.group(1).replace("-", ".")):
        hit("ssrf.rebinding_host", 85)  # 10.0.0.1.nip.io resolves to 10.0.0.1


def _internal(host: str) -> bool:
    parsed = parse_ipv4(host)
    return parsed is not None and not parsed[0].is_global


def _url_findings(text: str, start: int, out: dict[str, Finding]) -> None:
    """``text[start:]`` may begin with a URL (a scheme, or ``//``)."""
    match = _SCHEME.match(text, start)
    if match is None:
        return
    scheme, slashes = match.group(1), len(match.group(2) or "")
    end = min(len(text), start + 96)
    if scheme in _DANGEROUS:
        if (
            slashes < 2
            and not (scheme == "file" and slashes == 1)
            and not text.startswith(("file:", "http"), match.end())
        ):
            return  # "file: report.pdf" is a label, not a URL
        out.setdefault("ssrf.dangerous_scheme", Finding("ssrf.dangerous_scheme", ThreatClass.SSRF, 90, start, end))
    elif scheme is not None and (scheme not in _WEB or slashes == 0):
        return
    host = _host(text[match.end() :].lstrip("\\/"))
    if host:
        _host_findings(host, start, end, out)


def scan(text: str) -> list[Finding]:
    """SSRF findings in one decoded, lower-cased value that may be a URL or a bare host."""
    out: dict[str, Finding] = {}
    if ":" in text or text.lstrip().startswith("//"):
        _url_findings(text, 0, out)
    if not out and _BARE_HOST.match(text):
        # A bare number is an id and "2024/01/x.pdf" a path, not a host: only a dotted metadata
        # address, or an unusually spelt internal one with a port ("0x7f000001:6379") counts.
        value = text.strip()
        host = _host(value)
        parsed = _address(host)
        if parsed is not None and ("." in host or host.startswith("0x")):
            address, unusual = parsed
            if address in _METADATA_IPS or (unusual and not address.is_global and _PORT.search(value)):
                _host_findings(host, 0, len(text), out)
    return list(out.values())


def scan_path(text: str) -> list[Finding]:
    """A URL embedded in the request path (``/fetch/http://169.254.169.254/``)."""
    out: dict[str, Finding] = {}
    if "://" in text or ":\\\\" in text:
        for embedded in _EMBEDDED.finditer(text):
            _url_findings(text, embedded.start(), out)
    return list(out.values())
