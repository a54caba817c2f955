"""Who sent an envelope: the Sentry auth of a request, checked against the project keys.

SDKs name their public key in one of three places, and we look in this order (Relay's):
the ``X-Sentry-Auth`` header (``Sentry sentry_key=..., sentry_version=7, sentry_client=...``; the
Python SDK), the query string (``?sentry_key=...&sentry_version=7``; the JavaScript SDKs, which
avoid a CORS preflight), or the envelope header's ``dsn`` (tunnels, and SDKs sending from a browser
through a proxy). The project keys come from a secret, ``"42:key1,42:key2,7:key3"``: a key serves
exactly one project. A missing or unknown key is 401; a known key used for another project is 403.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from .dsn import DsnError, parse_dsn, valid_project_id

MAX_KEY_CHARS = 128


class AuthSource(StrEnum):
    HEADER = "header"
    QUERY = "query"
    ENVELOPE = "envelope"


class AuthProblem(StrEnum):
    MISSING = "missing"  # no key anywhere
    MALFORMED = "malformed"  # a header or DSN that cannot be read
    UNKNOWN_KEY = "unknown_key"
    WRONG_PROJECT = "wrong_project"


STATUS = {
    AuthProblem.MISSING: 401,
    AuthProblem.MALFORMED: 401,
    AuthProblem.UNKNOWN_KEY: 401,
    AuthProblem.WRONG_PROJECT: 403,
}


class AuthError(Exception):
    """Refused auth; ``status`` is the HTTP status (401 or 403), the message names the problem."""

    def __init__(self, problem: AuthProblem, message: str) -> None:
        super().__init__(message)
        self.problem = problem
        self.status = STATUS[problem]


@dataclass(frozen=True)
class SentryAuth:
    public_key: str
    source: AuthSource
    version: str | None = None
    client: str | None = None  # "sentry.python/2.75.0"


def parse_auth_header(value: str) -> dict[str, str]:
    """``Sentry sentry_key=abc, sentry_version=7`` -> {"sentry_key": "abc", "sentry_version": "7"}."""
    text = value.strip()
    scheme, _, rest = text.partition(" ")
    if scheme.lower() != "sentry":
        raise AuthError(AuthProblem.MALFORMED, "X-Sentry-Auth must start with 'Sentry '")
    out: dict[str, str] = {}
    for part in rest.split(","):
        name, eq, item = part.strip().partition("=")
        if not eq:
            if name:
                raise AuthError(AuthProblem.MALFORMED, f"X-Sentry-Auth part {name[:40]!r} has no '='")
            continue
        out[name.strip().lower()] = item.strip()
    return out


def _checked_key(key: str | None, where: str) -> str | None:
    if key is None:
        return None
    if not key or len(key) > MAX_KEY_CHARS or not key.isascii() or not key.isprintable() or " " in key:
        raise AuthError(AuthProblem.MALFORMED, f"sentry_key in the {where} is not a key")
    return key


def auth_from_request(header: str | None, query: Mapping[str, str], envelope_dsn: str | None = None) -> SentryAuth:
    """The request's auth, from the first place that names a key; raises AuthError (401) if none does."""
    if header is not None and header.strip():
        fields = parse_auth_header(header)
        key = _checked_key(fields.get("sentry_key"), "X-Sentry-Auth header")
        if key is not None:
            return SentryAuth(key, AuthSource.HEADER, fields.get("sentry_version"), fields.get("sentry_client"))
    key = _checked_key(query.get("sentry_key"), "query string")
    if key is not None:
        return SentryAuth(key, AuthSource.QUERY, query.get("sentry_version"), query.get("sentry_client"))
    if envelope_dsn:
        try:
            dsn = parse_dsn(envelope_dsn)
        except DsnError as exc:
            raise AuthError(AuthProblem.MALFORMED, f"envelope header dsn: {exc}") from None
        key = _checked_key(dsn.public_key, "envelope header dsn")
        assert key is not None
        return SentryAuth(key, AuthSource.ENVELOPE)
    raise AuthError(
        AuthProblem.MISSING,
        "no sentry_key: send X-Sentry-Auth, ?sentry_key= or a dsn in the envelope header",
    )


def parse_project_keys(text: str) -> dict[str, str]:
    """``"42:abc, 7:def"`` (commas, spaces or newlines between entries) -> {"abc": "42", "def": "7"}."""
    keys: dict[str, str] = {}
    for entry in text.replace(",", " ").split():
        project, colon, key = entry.partition(":")
        if not colon or not valid_project_id(project) or not key:
            raise ValueError(f"project key entry {entry[:60]!r} is not 'project_id:public_key'")
        if keys.get(key, project) != project:
            raise ValueError(f"public key {key[:8]}... is given to two projects")
        keys[key] = project
    return keys


def authorize(auth: SentryAuth, project_id: str, keys: Mapping[str, str]) -> str:
    """The public key, if it belongs to ``project_id``; AuthError otherwise."""
    owner = keys.get(auth.public_key)
    if owner is None:
        raise AuthError(AuthProblem.UNKNOWN_KEY, f"unknown sentry_key (from the {auth.source})")
    if owner != project_id:
        raise AuthError(AuthProblem.WRONG_PROJECT, f"this sentry_key does not belong to project {project_id}")
    return auth.public_key
