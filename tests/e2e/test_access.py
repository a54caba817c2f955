"""Access control on real workerd: every route of every Worker declares its least role (the table
each Worker serves at ``/<concern>/_routes``), and the table is walked: no credentials is a 401, a
lower role a 403, the role itself passes. Cloudflare Access JWTs signed by a real library (PyJWT)
against a JWKS served by a local server are accepted for their mapped role; expired, wrongly
signed or unmapped ones are refused."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from edgewatch.services import SERVICES
from scripts.stack import Stack
from tests.support.targets import Step, Targets

TOKENS = {
    "viewer": "access-viewer-token-01",
    "operator": "access-operator-tok-01",
    "admin": "access-admin-token-001",
}
AUD = "b0b7d2c3a4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d"
DASHBOARD = "https://dash.pitchey.example"
RANK = {"viewer": 1, "operator": 2, "admin": 3}
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def jwks(targets: Targets) -> str:
    jwk = {**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key())), "kid": "team-1", "alg": "RS256"}
    return targets.script("/access/certs", Step(200, json.dumps({"keys": [jwk]}).encode()))


@pytest.fixture(scope="module")
def access_stack(tmp_path_factory: pytest.TempPathFactory, jwks: str) -> Iterator[Stack]:
    root: Path = tmp_path_factory.mktemp("access")
    config = {
        "access": {
            "teamDomain": "https://pitchey.cloudflareaccess.com",
            "audience": AUD,
            "certsUrl": jwks,
            "roles": {"admin": ["ana@pitchey.com"], "operator": ["group:oncall"], "viewer": ["*@pitchey.com"]},
            "dashboardOrigins": [DASHBOARD],
        }
    }
    api_tokens = {token: {"name": f"{role}-bot", "role": role} for role, token in TOKENS.items()}
    stack = Stack(
        persist_dir=root / "state",
        log_path=root / "wrangler.log",
        environment="test",
        dashboard_port=None,
        example_api=False,
        extra_vars={"API_TOKENS": json.dumps(api_tokens), "MONITORING_CONFIG_JSON": json.dumps(config)},
    )
    stack.start()
    yield stack
    stack.stop()


def call(stack: Stack, method: str, path: str, headers: dict[str, str]) -> tuple[int, Any]:
    body = b"{}" if method in ("POST", "PUT") else None
    request = urllib.request.Request(
        stack.base_url + path, data=body, method=method, headers={"content-type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as resp:
            raw, status = resp.read(), resp.status
    except urllib.error.HTTPError as err:
        raw, status = err.read(), err.code
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw


def bearer(role: str) -> dict[str, str]:
    return {"authorization": f"Bearer {TOKENS[role]}"}


def concrete(pattern: str) -> str:
    import re

    return re.sub(r"\{[a-z_]+(:path)?\}", "x", pattern)


def route_table(stack: Stack) -> list[dict[str, Any]]:
    rows = []
    for svc in SERVICES:
        status, body = call(stack, "GET", f"{svc.prefix}/_routes", bearer("viewer"))
        assert status == 200, (svc.prefix, body)
        rows += body["routes"]
    return rows


def test_every_route_declares_its_access_and_the_table_holds(access_stack: Stack) -> None:
    table = route_table(access_stack)
    assert len(table) > 60
    assert all(r["access"] in ("open", "viewer", "operator", "admin") for r in table)
    assert all(r.get("reason") for r in table if r["access"] == "open")
    checked = 0
    for row in table:
        if row["access"] == "open":
            continue
        method, path, need = row["method"], concrete(row["pattern"]), row["access"]
        status, body = call(access_stack, method, path, {})
        assert status == 401, (method, path, status, body)
        for role, rank in RANK.items():
            status, body = call(access_stack, method, path, bearer(role))
            if rank < RANK[need]:
                assert status == 403 and need in body["error"]["message"], (method, path, role, status, body)
            else:
                assert status not in (401, 403), (method, path, role, status, body)
        checked += 1
    assert checked > 45


def access_jwt(email: str, *, key: Any = KEY, exp_in: int = 600, groups: list[str] | None = None) -> str:
    now = int(time.time())
    claims = {"aud": [AUD], "email": email, "iat": now, "exp": now + exp_in,
              "iss": "https://pitchey.cloudflareaccess.com", "sub": email, "type": "app"}  # fmt: skip
    if groups:
        claims["groups"] = groups
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "team-1"})


def test_cloudflare_access_jwts_map_to_roles(access_stack: Stack) -> None:
    def with_jwt(token: str, method: str = "GET", path: str = "/logs/search") -> tuple[int, Any]:
        return call(access_stack, method, path, {"cf-access-jwt-assertion": token})

    assert with_jwt(access_jwt("cy@pitchey.com"))[0] == 200  # viewer by domain
    status, body = with_jwt(access_jwt("cy@pitchey.com"), "POST", "/alerts/api/v2/silences")
    assert status == 403 and "operator" in body["error"]["message"]
    assert with_jwt(access_jwt("bo@pitchey.com", groups=["oncall"]), "POST", "/alerts/api/v2/silences")[0] == 422
    assert with_jwt(access_jwt("ana@pitchey.com"), "POST", "/security/blocklist")[0] == 422  # admin: past the role
    # The browser's CF_Authorization cookie works like the header.
    assert (
        call(access_stack, "GET", "/logs/search", {"cookie": f"CF_Authorization={access_jwt('cy@pitchey.com')}"})[0]
        == 200
    )
    for token, reason in [
        (access_jwt("cy@pitchey.com", exp_in=-600), "expired"),
        (access_jwt("cy@pitchey.com", key=OTHER_KEY), "signature"),
        ("not.a.jwt", "refused"),
    ]:
        status, body = with_jwt(token)
        assert status == 401 and reason in body["error"]["message"], (reason, body)
    status, body = with_jwt(access_jwt("eve@example.com"))
    assert status == 403 and "no role" in body["error"]["message"]


def audit(stack: Stack, **params: str) -> list[dict[str, Any]]:
    import urllib.parse

    status, body = call(stack, "GET", "/audit?" + urllib.parse.urlencode(params), bearer("admin"))
    assert status == 200, body
    return list(body["entries"])


def wait_audit(stack: Stack, predicate: Any, timeout_s: float = 15) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout_s
    while True:
        entries = audit(stack, limit="1000")
        if predicate(entries) or time.monotonic() > deadline:
            return entries
        time.sleep(0.3)


def audit_db(stack: Stack) -> Path:
    """The AuditLog object's SQLite file in the local runtime's state."""
    import sqlite3

    for path in Path(stack.persist_dir).rglob("*.sqlite"):
        try:
            with sqlite3.connect(path) as db:
                tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError:
            continue
        if {"entries", "head"} <= tables:
            return path
    raise AssertionError("no AuditLog database under the stack's state")


def test_every_decision_is_in_the_audit_log_and_tampering_is_found(access_stack: Stack) -> None:
    import sqlite3

    agent = {"user-agent": f"audit-test/{uuid_hex()}"}

    def mine(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [e for e in entries if e["user_agent"] == agent["user-agent"]]

    assert call(access_stack, "GET", "/logs/search", {**bearer("viewer"), **agent})[0] == 200
    assert call(access_stack, "GET", "/logs/search", agent)[0] == 401
    assert call(access_stack, "POST", "/security/blocklist", {**bearer("operator"), **agent})[0] == 403
    entries = mine(wait_audit(access_stack, lambda es: len(mine(es)) >= 3))
    assert {(e["who"], e["role"], e["method"], e["path"], e["status"]) for e in entries} == {
        ("viewer-bot", "viewer", "GET", "/logs/search", 200),
        ("anonymous", "none", "GET", "/logs/search", 401),
        ("operator-bot", "operator", "POST", "/security/blocklist", 403),
    }
    assert call(access_stack, "GET", "/audit", bearer("viewer"))[0] == 403
    status, verified = call(access_stack, "GET", "/audit/verify", bearer("admin"))
    assert status == 200 and verified["ok"] and verified["checked"] >= 3, verified

    # The daily job archives entries older than a day to R2; the chain still verifies across it.
    later = int(time.time() * 1000) + 2 * 86_400_000
    assert access_stack.trigger_cron("0 0 * * *", later).get("outcome") == "ok"
    status, verified = call(access_stack, "GET", "/audit/verify", bearer("admin"))
    assert status == 200 and verified["ok"] and verified["archived_entries"] >= 3, verified

    # A new live entry, then its row edited on disk while the stack is down: verify names it.
    agent = {"user-agent": f"audit-test/{uuid_hex()}"}
    assert call(access_stack, "GET", "/logs/search", {**bearer("viewer"), **agent})[0] == 200
    (entry,) = mine(wait_audit(access_stack, lambda es: len(mine(es)) == 1))
    access_stack.stop()
    with sqlite3.connect(audit_db(access_stack)) as db:
        db.execute("UPDATE entries SET status = 500 WHERE seq = ?", (entry["seq"],))
    access_stack.start()
    status, verified = call(access_stack, "GET", "/audit/verify", bearer("admin"))
    assert status == 200 and not verified["ok"], verified
    assert verified["first_broken_seq"] == entry["seq"] and "changed after it was written" in verified["problem"]


def uuid_hex() -> str:
    import uuid

    return uuid.uuid4().hex[:8]


def test_cors_answers_the_dashboard_origin_only(access_stack: Stack) -> None:
    def raw(method: str, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
        request = urllib.request.Request(access_stack.base_url + path, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as resp:
                return resp.status, {k.lower(): v for k, v in resp.headers.items()}
        except urllib.error.HTTPError as err:
            return err.code, {k.lower(): v for k, v in err.headers.items()}

    ask = {"origin": DASHBOARD, "access-control-request-method": "PUT",
           "access-control-request-headers": "authorization, content-type"}  # fmt: skip
    status, headers = raw("OPTIONS", "/apm/issues/1-abc", ask)
    assert status == 204 and headers["access-control-allow-origin"] == DASHBOARD, headers
    assert "PUT" in headers["access-control-allow-methods"] and headers["access-control-allow-credentials"] == "true"
    status, headers = raw("OPTIONS", "/apm/issues/1-abc", {**ask, "origin": "https://evil.example"})
    assert status == 403 and "access-control-allow-origin" not in headers
    status, headers = raw("GET", "/logs/search", {**bearer("viewer"), "origin": DASHBOARD})
    assert status == 200 and headers["access-control-allow-origin"] == DASHBOARD and headers["vary"] == "Origin"
    status, headers = raw("GET", "/logs/search", {"origin": DASHBOARD})  # the dashboard can read the 401
    assert status == 401 and headers["access-control-allow-origin"] == DASHBOARD
    status, headers = raw("GET", "/logs/search", {**bearer("viewer"), "origin": "https://evil.example"})
    assert status == 200 and "access-control-allow-origin" not in headers
