"""The request context of an event: by default only the method and the URL without its query.

Headers, cookies, the query string, the body and the client IP are personal data; each is sent
only when its option allows it (``True`` for all, or a list of the names allowed). Even when
headers are allowed, credentials (``Authorization``, ``Cookie``, ``Set-Cookie`` and the other names
in ``SECRET_HEADERS``) are sent as ``[Filtered]``; cookies travel only in ``cookies``, by name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

FILTERED = "[Filtered]"
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-sentry-auth", "x-api-key", "x-auth-token"}
)
IP_HEADERS = ("cf-connecting-ip", "x-real-ip")
MAX_BODY = 8192
Allow = bool | Iterable[str]


@dataclass(frozen=True)
class RequestFacts:
    """What the adapter read from the incoming request."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: str | None = None


@dataclass(frozen=True)
class RequestPolicy:
    headers: bool | frozenset[str] = False
    cookies: bool | frozenset[str] = False
    query: bool | frozenset[str] = False
    body: bool = False
    ip: bool = False

    @classmethod
    def of(
        cls,
        *,
        headers: Allow = False,
        cookies: Allow = False,
        query: Allow = False,
        body: bool = False,
        ip: bool = False,
    ) -> RequestPolicy:
        return cls(_names(headers), _names(cookies), _names(query), bool(body), bool(ip))


def _names(allow: Allow) -> bool | frozenset[str]:
    if isinstance(allow, bool):
        return allow
    return frozenset(str(n).lower() for n in allow)


def _allowed(policy: bool | frozenset[str], name: str) -> bool:
    return policy if isinstance(policy, bool) else name.lower() in policy


def _headers(given: Mapping[str, str], policy: RequestPolicy) -> dict[str, str]:
    out = {}
    for name, value in given.items():
        key = name.lower()
        if _allowed(policy.headers, key):
            out[key] = FILTERED if key in SECRET_HEADERS else value
    return out


def _cookies(header: str | None, policy: RequestPolicy) -> dict[str, str]:
    if not header:
        return {}
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items() if _allowed(policy.cookies, name)}


def _query(query: str, policy: RequestPolicy) -> str:
    if policy.query is True:
        return query
    if policy.query is False:
        return ""
    kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k.lower() in policy.query]
    return urlencode(kept)


def client_ip(headers: Mapping[str, str]) -> str | None:
    lowered = {k.lower(): v for k, v in headers.items()}
    for name in IP_HEADERS:
        if lowered.get(name):
            return lowered[name].split(",", 1)[0].strip()
    return None


def request_context(facts: RequestFacts, policy: RequestPolicy) -> dict[str, Any]:
    """The event's ``request`` object."""
    parts = urlsplit(facts.url)
    out: dict[str, Any] = {
        "method": facts.method.upper(),
        "url": urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")),
    }
    query = _query(parts.query, policy)
    if query:
        out["query_string"] = query
    headers = _headers(facts.headers, policy)
    if headers:
        out["headers"] = headers
    lowered = {k.lower(): v for k, v in facts.headers.items()}
    cookies = _cookies(lowered.get("cookie"), policy) if policy.cookies else {}
    if cookies:
        out["cookies"] = cookies
    if policy.body and facts.body:
        out["data"] = facts.body[:MAX_BODY]
    return out
