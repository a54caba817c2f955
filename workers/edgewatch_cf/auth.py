"""Ingest tokens (``LOG_INGEST_TOKENS``): which service a request may write. Read, operate and
admin access is decided per route by edgewatch_cf.access (see ``Routes.route(access=...)``)."""

from __future__ import annotations

from typing import Any

from edgewatch.errors import Forbidden
from edgewatch.tokens import TokenConfigError, ingest_scope, parse_token_map


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
