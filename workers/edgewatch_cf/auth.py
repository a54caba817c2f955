"""Bearer-token checks for Worker endpoints, with tokens from Worker secrets."""

from __future__ import annotations

from typing import Any

from edgewatch.errors import Forbidden, Unauthorized
from edgewatch.tokens import TokenConfigError, bearer, ingest_scope, match_token, parse_token_list, parse_token_map


def _development(env: Any) -> bool:
    return str(getattr(env, "ENVIRONMENT", "production")) == "development"


def ingest_scope_for(env: Any, authorization: str | None) -> str:
    """The service this request may write ("*" = any). A local development stack without
    LOG_INGEST_TOKENS accepts unauthenticated ingest; every other environment requires a token."""
    try:
        tokens = parse_token_map(getattr(env, "LOG_INGEST_TOKENS", None))
    except TokenConfigError as exc:
        raise Forbidden(f"ingest is misconfigured: {exc}") from None
    if not tokens:
        if _development(env):
            return "*"
        raise Forbidden("no ingest tokens are configured; set the LOG_INGEST_TOKENS secret")
    return ingest_scope(authorization, tokens)


def _require_listed(env: Any, authorization: str | None, names: tuple[str, ...], role: str, purpose: str) -> None:
    """The bearer token must be one of the tokens of the ``names`` secrets (open only in local development)."""
    tokens: list[str] = []
    for var in names:
        try:
            tokens += parse_token_list(getattr(env, var, None))
        except TokenConfigError as exc:
            raise Forbidden(f"{purpose} is misconfigured: {exc}") from None
    if not tokens:
        if _development(env):
            return
        raise Forbidden(f"no {role} tokens are configured; set the {' or '.join(names)} secret")
    if match_token(bearer(authorization), tokens) is None:
        raise Unauthorized(f"unknown {role} token")


def require_reader(env: Any, authorization: str | None) -> None:
    """Reading (search, tail, metrics, uptime, security events) needs a token from READ_TOKENS."""
    _require_listed(env, authorization, ("READ_TOKENS",), "read", "reading")


def require_admin(env: Any, authorization: str | None) -> None:
    """Changing monitors, maintenance windows or the block-list needs a token from ADMIN_TOKENS."""
    _require_listed(env, authorization, ("ADMIN_TOKENS",), "admin", "the write API")


def require_operator(env: Any, authorization: str | None) -> None:
    """Operating on alerts (acknowledge, silence, test a receiver) needs a token from OPERATOR_TOKENS
    or ADMIN_TOKENS: an on-call person can silence without being able to change monitors."""
    _require_listed(env, authorization, ("OPERATOR_TOKENS", "ADMIN_TOKENS"), "operator", "operating on alerts")
