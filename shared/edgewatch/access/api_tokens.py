"""API tokens for automation and local use, from Worker secrets: ``API_TOKENS`` as JSON
``{"<token>": {"name": "ci", "role": "operator"}}``, and the older one-role lists ``READ_TOKENS``
(viewer), ``OPERATOR_TOKENS`` (operator) and ``ADMIN_TOKENS`` (admin), each a JSON list or
comma-separated, named
``read-1``, ``operator-1``... A token is compared in constant time."""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass

from ..tokens import TokenConfigError, parse_token_list
from .roles import Role

MIN_TOKEN_CHARS = 16
LEGACY = (("READ_TOKENS", Role.VIEWER, "read"), ("OPERATOR_TOKENS", Role.OPERATOR, "operator"),
          ("ADMIN_TOKENS", Role.ADMIN, "admin"))  # fmt: skip


class TokenTableError(ValueError):
    """A token secret cannot be read; the message names the secret and the problem."""


@dataclass(frozen=True)
class ApiToken:
    token: str
    name: str
    role: Role


def _checked(token: str, where: str) -> str:
    if len(token) < MIN_TOKEN_CHARS:
        raise TokenTableError(f"{where}: a token must be at least {MIN_TOKEN_CHARS} characters")
    return token


def parse_api_tokens(secrets: Mapping[str, str | None]) -> list[ApiToken]:
    """Every token the secrets define; a token listed twice keeps its highest role."""
    found: dict[str, ApiToken] = {}

    def add(item: ApiToken) -> None:
        old = found.get(item.token)
        if old is None or item.role > old.role:
            found[item.token] = item

    text = secrets.get("API_TOKENS")
    if text:
        try:
            table = json.loads(text)
        except ValueError:
            raise TokenTableError("API_TOKENS is not JSON") from None
        if type(table) is not dict:
            raise TokenTableError('API_TOKENS must be an object {"<token>": {"name": ..., "role": ...}}')
        for token, spec in table.items():
            if type(spec) is not dict or type(spec.get("name")) is not str or type(spec.get("role")) is not str:
                raise TokenTableError('API_TOKENS: each token maps to {"name": <text>, "role": <role>}')
            try:
                role = Role.parse(spec["role"])
            except ValueError as exc:
                raise TokenTableError(f"API_TOKENS[{spec['name'][:40]!r}]: {exc}") from None
            add(ApiToken(_checked(token, f"API_TOKENS[{spec['name'][:40]!r}]"), spec["name"][:80], role))
    for secret, role, prefix in LEGACY:
        try:
            listed = parse_token_list(secrets.get(secret))
        except TokenConfigError as exc:
            raise TokenTableError(f"{secret}: {str(exc).split(': ', 1)[-1]}") from None
        for i, token in enumerate(listed, 1):
            add(ApiToken(_checked(token, secret), f"{prefix}-{i}", role))
    return list(found.values())


def find_token(presented: str, tokens: list[ApiToken]) -> ApiToken | None:
    """The token matching ``presented`` (every one compared, in constant time each)."""
    match = None
    given = presented.encode()
    for item in tokens:
        if hmac.compare_digest(given, item.token.encode()):
            match = item
    return match
