"""Bearer tokens from Worker secrets, compared in constant time.

LOG_INGEST_TOKENS holds JSON mapping each token to the service it may write ("*" for any), e.g.
``{"3f9c...": "checkout", "a81d...": "*"}``. READ_TOKENS holds a JSON list (or comma-separated
list) of tokens allowed to read (search, tail, metrics).
"""

from __future__ import annotations

import hmac
import json
import re

from .errors import Forbidden, Unauthorized

_SERVICE = re.compile(r"^(\*|[A-Za-z0-9._-]{1,64})$")


class TokenConfigError(ValueError):
    pass


def parse_token_map(text: str | None) -> dict[str, str]:
    if text is None or not text.strip():
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TokenConfigError(f"LOG_INGEST_TOKENS is not valid JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise TokenConfigError("LOG_INGEST_TOKENS must be a JSON object of token -> service")
    out = {}
    for token, scope in data.items():
        if not isinstance(scope, str) or not _SERVICE.match(scope) or len(token) < 16:
            raise TokenConfigError("LOG_INGEST_TOKENS: each token needs >= 16 characters and a service name or '*'")
        out[token] = scope
    return out


def parse_token_list(text: str | None) -> list[str]:
    if text is None or not text.strip():
        return []
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            items = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise TokenConfigError(f"READ_TOKENS is not valid JSON: {exc.msg}") from None
    else:
        items = [part.strip() for part in stripped.split(",")]
    tokens = [t for t in items if isinstance(t, str) and t]
    if any(len(t) < 16 for t in tokens):
        raise TokenConfigError("READ_TOKENS: each token needs >= 16 characters")
    return tokens


def bearer(header: str | None) -> str:
    if not header:
        raise Unauthorized("missing Authorization header; send 'Authorization: Bearer <token>'")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Authorization must be 'Bearer <token>'")
    return token.strip()


def match_token(presented: str, known: list[str]) -> str | None:
    found = None
    for token in known:  # no early exit: the time does not depend on which token matched
        if hmac.compare_digest(presented.encode(), token.encode()):
            found = token
    return found


def ingest_scope(header: str | None, tokens: dict[str, str]) -> str:
    """The service a request may write to ("*" for any); raises 401 for a missing or unknown token."""
    token = match_token(bearer(header), list(tokens))
    if token is None:
        raise Unauthorized("unknown ingest token")
    return tokens[token]


def check_service(scope: str, service: str) -> None:
    if scope not in ("*", service):
        raise Forbidden(f"this token may only write service {scope!r}, not {service!r}")
