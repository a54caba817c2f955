"""Who is asking, seen from a Worker: the API tokens from the secrets (``API_TOKENS``, and the
one-role ``READ_TOKENS``/``OPERATOR_TOKENS``/``ADMIN_TOKENS``), Cloudflare Access from
``monitoring.access`` with the team's JWKS fetched and kept per isolate (refetched after
JWKS_TTL_S, or when a token names a key id we do not hold, at most once per REFETCH_GAP_S)."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import js

from edgewatch.access import (
    AccessSetup,
    ApiToken,
    Credentials,
    Principal,
    Role,
    RsaKey,
    TokenTableError,
    access_cookie,
    authenticate,
    parse_api_tokens,
    parse_jwks,
)
from edgewatch.errors import Forbidden, ServiceUnavailable
from edgewatch.tokens import bearer

from .settings import stack_config

JWKS_TTL_S = 600
REFETCH_GAP_S = 30
SECRETS = ("API_TOKENS", "READ_TOKENS", "OPERATOR_TOKENS", "ADMIN_TOKENS")
_tokens: dict[tuple[str | None, ...], list[ApiToken]] = {}
_jwks: dict[str, tuple[float, dict[str, RsaKey]]] = {}


def _development(env: Any) -> bool:
    return str(getattr(env, "ENVIRONMENT", "production")) == "development"


def api_tokens(env: Any) -> list[ApiToken]:
    texts = tuple(None if getattr(env, n, None) is None else str(getattr(env, n)) for n in SECRETS)
    found = _tokens.get(texts)
    if found is None:
        try:
            found = parse_api_tokens(dict(zip(SECRETS, texts, strict=True)))
        except TokenTableError as exc:
            raise Forbidden(f"the API tokens are misconfigured: {exc}") from None
        _tokens.clear()
        _tokens[texts] = found
    return found


def access_setup(env: Any) -> AccessSetup | None:
    config = stack_config(env).monitoring.access
    if not config.enabled or config.audience is None:
        return None
    roles = config.roles
    rules = {
        Role.VIEWER: [r.strip().lower() for r in roles.viewer],
        Role.OPERATOR: [r.strip().lower() for r in roles.operator],
        Role.ADMIN: [r.strip().lower() for r in roles.admin],
    }
    return AccessSetup(config.audience, config.team_domain, rules)


async def _fetch_jwks(url: str) -> dict[str, RsaKey]:
    try:
        response = await js.fetch(url)
        text = str(await response.text())
        status = int(response.status)
    except Exception as exc:
        raise ServiceUnavailable(f"the Access signing keys could not be fetched ({type(exc).__name__})") from None
    if status != 200:
        raise ServiceUnavailable(f"the Access signing keys could not be fetched (HTTP {status})")
    try:
        return parse_jwks(json.loads(text))
    except ValueError as exc:
        raise ServiceUnavailable(f"the Access signing keys are unreadable: {exc}") from None


async def _keys(url: str, wanted_kid: str | None) -> dict[str, RsaKey]:
    now = time.time()
    cached = _jwks.get(url)
    fresh = cached is not None and now - cached[0] < JWKS_TTL_S
    missing = cached is not None and wanted_kid is not None and wanted_kid not in cached[1]
    if cached is not None and fresh and not (missing and now - cached[0] >= REFETCH_GAP_S):
        return cached[1]
    keys = await _fetch_jwks(url)
    _jwks[url] = (now, keys)
    return keys


def _kid(token: str) -> str | None:
    head = token.split(".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except ValueError:
        return None
    kid = header.get("kid") if type(header) is dict else None
    return kid if type(kid) is str else None


async def principal_for(env: Any, headers: Any) -> Principal:
    """The principal a request's headers identify; Unauthorized / Forbidden naming why not."""
    authorization = headers.get("authorization")
    token = None if authorization is None else bearer(str(authorization))  # malformed: 401
    jwt_header = headers.get("cf-access-jwt-assertion")
    cookie = headers.get("cookie")
    assertion = str(jwt_header) if jwt_header is not None else access_cookie(None if cookie is None else str(cookie))
    setup = access_setup(env)
    keys: dict[str, RsaKey] = {}
    if assertion and not token and setup is not None:
        url = stack_config(env).monitoring.access.jwks_url
        if url is not None:
            keys = await _keys(url, _kid(assertion))
    creds = Credentials(token, assertion or None)
    return authenticate(creds, api_tokens(env), setup, keys, now_s=int(time.time()), development=_development(env))
