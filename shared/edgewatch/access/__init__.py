"""Access control: roles, API tokens, Cloudflare Access JWTs (RS256 against the team's JWKS), the
mapping of signed-in people to roles, and the decision who is asking and whether they may."""

from __future__ import annotations

from .api_tokens import ApiToken, TokenTableError, find_token, parse_api_tokens
from .audit import GENESIS, AuditEntry, AuditRecord, ChainReport, chain, entry_hash, verify_chain
from .cors import dashboard_cors, dashboard_preflight
from .jwt_rs256 import Claims, JwtError, RsaKey, parse_jwks, verify_access_jwt
from .principal import AccessSetup, Credentials, Principal, Via, access_cookie, authenticate, authorize
from .role_map import check_rule, role_for
from .roles import Role

__all__ = [
    "GENESIS",
    "AccessSetup",
    "ApiToken",
    "AuditEntry",
    "AuditRecord",
    "ChainReport",
    "Claims",
    "Credentials",
    "JwtError",
    "Principal",
    "Role",
    "RsaKey",
    "TokenTableError",
    "Via",
    "access_cookie",
    "authenticate",
    "authorize",
    "chain",
    "check_rule",
    "dashboard_cors",
    "dashboard_preflight",
    "entry_hash",
    "find_token",
    "parse_api_tokens",
    "parse_jwks",
    "role_for",
    "verify_access_jwt",
    "verify_chain",
]
