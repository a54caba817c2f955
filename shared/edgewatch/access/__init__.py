"""Access control: roles, API tokens, Cloudflare Access JWTs (RS256 against the team's JWKS), the
mapping of signed-in people to roles, and the decision who is asking and whether they may."""

from __future__ import annotations

from .api_tokens import ApiToken, TokenTableError, find_token, parse_api_tokens
from .jwt_rs256 import Claims, JwtError, RsaKey, parse_jwks, verify_access_jwt
from .principal import AccessSetup, Credentials, Principal, Via, access_cookie, authenticate, authorize
from .role_map import check_rule, role_for
from .roles import Role

__all__ = [
    "AccessSetup",
    "ApiToken",
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
    "check_rule",
    "find_token",
    "parse_api_tokens",
    "parse_jwks",
    "role_for",
    "verify_access_jwt",
]
