"""Who is asking, decided without I/O: an API token (``Authorization: Bearer``) or a Cloudflare
Access JWT (``Cf-Access-Jwt-Assertion``, or the ``CF_Authorization`` cookie the browser carries),
and whether their role is enough for a route. A refusal says why (401: who you are is unknown; 403:
known, but the role is too low or none)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from ..errors import Forbidden, Unauthorized
from .api_tokens import ApiToken, find_token
from .jwt_rs256 import JwtError, RsaKey, verify_access_jwt
from .role_map import role_for
from .roles import Role


class Via(StrEnum):
    TOKEN = "token"
    ACCESS = "access"
    DEVELOPMENT = "development"  # a local development stack with no credentials configured


@dataclass(frozen=True)
class Principal:
    name: str  # the token's name, or the signed-in e-mail (subject when there is none)
    role: Role
    via: Via

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "role": self.role.label, "via": self.via.value}


@dataclass(frozen=True)
class AccessSetup:
    """Cloudflare Access as configured (``monitoring.access``)."""

    audience: str
    issuer: str | None
    rules: Mapping[Role, Sequence[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Credentials:
    bearer: str | None  # the token of an ``Authorization: Bearer`` header
    access_jwt: str | None  # Cf-Access-Jwt-Assertion, else the CF_Authorization cookie


def authenticate(
    creds: Credentials,
    tokens: list[ApiToken],
    access: AccessSetup | None,
    keys: dict[str, RsaKey],
    *,
    now_s: int,
    development: bool = False,
) -> Principal:
    """The principal, or Unauthorized / Forbidden naming why not."""
    if creds.bearer:
        token = find_token(creds.bearer, tokens)
        if token is None:
            raise Unauthorized("unknown API token")
        return Principal(token.name, token.role, Via.TOKEN)
    if creds.access_jwt:
        if access is None:
            raise Unauthorized("Cloudflare Access is not configured here (monitoring.access); use an API token")
        try:
            claims = verify_access_jwt(
                creds.access_jwt, keys, audience=access.audience, issuer=access.issuer, now_s=now_s
            )
        except JwtError as exc:
            raise Unauthorized(f"the Access token is refused: {exc}") from None
        who = claims.email or claims.subject or "unknown"
        role = role_for(access.rules, claims.email, claims.groups)
        if role is None:
            raise Forbidden(f"{who} is signed in but has no role here (monitoring.access.roles)")
        return Principal(who, role, Via.ACCESS)
    if development and not tokens and access is None:
        return Principal("development", Role.ADMIN, Via.DEVELOPMENT)
    raise Unauthorized("credentials are required: an API token (Authorization: Bearer) or Cloudflare Access")


def authorize(principal: Principal, required: Role) -> None:
    if principal.role < required:
        raise Forbidden(f"this needs the {required.label} role; {principal.name} is {principal.role.label}")


def access_cookie(cookie_header: str | None) -> str | None:
    """The CF_Authorization cookie (Access sets it for the browser) from a Cookie header."""
    for part in (cookie_header or "").split(";"):
        name, eq, value = part.strip().partition("=")
        if eq and name == "CF_Authorization" and value:
            return value
    return None
