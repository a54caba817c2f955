from __future__ import annotations

import json
import re

import pytest

from edgewatch.access import (
    AccessSetup,
    Credentials,
    Role,
    TokenTableError,
    Via,
    access_cookie,
    authenticate,
    authorize,
    check_rule,
    parse_api_tokens,
    role_for,
)
from edgewatch.errors import Forbidden, Unauthorized

TOKENS = parse_api_tokens(
    {
        "API_TOKENS": json.dumps({"ci-token-0000000001": {"name": "ci", "role": "operator"}}),
        "READ_TOKENS": "read-token-00000001,read-token-00000002",
        "ADMIN_TOKENS": "admin-token-0000001",
    }
)


def test_tokens_from_every_secret_with_their_names_and_roles() -> None:
    assert {(t.name, t.role) for t in TOKENS} == {
        ("ci", Role.OPERATOR), ("read-1", Role.VIEWER), ("read-2", Role.VIEWER), ("admin-1", Role.ADMIN)
    }  # fmt: skip


@pytest.mark.parametrize(
    ("secrets", "problem"),
    [
        ({"API_TOKENS": "{"}, "not JSON"),
        ({"API_TOKENS": "[]"}, "must be an object"),
        ({"API_TOKENS": json.dumps({"x" * 20: {"name": "a", "role": "root"}})}, "role must be one of"),
        ({"API_TOKENS": json.dumps({"short": {"name": "a", "role": "viewer"}})}, "at least 16"),
        ({"READ_TOKENS": "short"}, "READ_TOKENS"),
    ],
)
def test_bad_token_secrets_name_the_problem(secrets: dict[str, str], problem: str) -> None:
    with pytest.raises(TokenTableError, match=problem):
        parse_api_tokens(secrets)


def test_a_token_listed_twice_keeps_its_highest_role() -> None:
    (only,) = parse_api_tokens({"READ_TOKENS": "same-token-000000001", "ADMIN_TOKENS": "same-token-000000001"})
    assert only.role is Role.ADMIN


RULES = {Role.ADMIN: ["ana@pitchey.com"], Role.OPERATOR: ["group:oncall"], Role.VIEWER: ["*@pitchey.com"]}


@pytest.mark.parametrize(
    ("email", "groups", "role"),
    [
        ("ana@pitchey.com", (), Role.ADMIN),
        ("bo@pitchey.com", ("OnCall",), Role.OPERATOR),
        ("cy@pitchey.com", (), Role.VIEWER),
        ("cy@pitchey.com.evil.io", (), None),
        ("eve@example.com", ("ops",), None),
        (None, ("oncall",), Role.OPERATOR),
    ],
)
def test_role_rules(email: str | None, groups: tuple[str, ...], role: Role | None) -> None:
    assert role_for(RULES, email, groups) is role


@pytest.mark.parametrize("rule", ["ana", "*", "a*b@x.com", "group:", "@x.com", "x@nodot"])
def test_bad_role_rules(rule: str) -> None:
    with pytest.raises(ValueError, match="must be an e-mail"):
        check_rule(rule)


def test_authenticate_and_authorize() -> None:
    ci = authenticate(Credentials("ci-token-0000000001", None), TOKENS, None, {}, now_s=0)
    assert (ci.name, ci.role, ci.via) == ("ci", Role.OPERATOR, Via.TOKEN)
    authorize(ci, Role.OPERATOR)
    with pytest.raises(Forbidden, match="needs the admin role; ci is operator"):
        authorize(ci, Role.ADMIN)
    with pytest.raises(Unauthorized, match="unknown API token"):
        authenticate(Credentials("nope-nope-nope-nope", None), TOKENS, None, {}, now_s=0)
    with pytest.raises(Unauthorized, match="credentials are required"):
        authenticate(Credentials(None, None), TOKENS, None, {}, now_s=0)
    with pytest.raises(Unauthorized, match="not configured"):
        authenticate(Credentials(None, "a.b.c"), TOKENS, None, {}, now_s=0)
    with pytest.raises(Unauthorized, match="Access token is refused"):
        authenticate(Credentials(None, "a.b.c"), TOKENS, AccessSetup("aud", None, RULES), {}, now_s=0)
    dev = authenticate(Credentials(None, None), [], None, {}, now_s=0, development=True)
    assert dev.via is Via.DEVELOPMENT and dev.role is Role.ADMIN
    with pytest.raises(Unauthorized):  # development is open only while nothing is configured
        authenticate(Credentials(None, None), TOKENS, None, {}, now_s=0, development=True)


def test_the_access_cookie() -> None:
    assert access_cookie("a=1; CF_Authorization=eyJ.x.y; b=2") == "eyJ.x.y"
    assert access_cookie("CF_Authorization=") is None and access_cookie(None) is None


def test_the_access_config_is_checked_with_the_rule_grammar() -> None:
    from edgewatch.config import ConfigError
    from edgewatch.stack import load_stack_config

    good = {
        "access": {"teamDomain": "https://t.cloudflareaccess.com", "audience": "aud", "roles": {"admin": ["a@b.io"]}}
    }
    config = load_stack_config(json.dumps(good), None, None).monitoring.access
    assert config.enabled and config.jwks_url == "https://t.cloudflareaccess.com/cdn-cgi/access/certs"
    for bad, problem in [
        ({"roles": {"viewer": ["everyone"]}}, "viewer.0"),
        ({"teamDomain": "https://t.cloudflareaccess.com"}, "set together"),
        ({"teamDomain": "t.cloudflareaccess.com", "audience": "a"}, "http(s) URL"),
    ]:
        with pytest.raises(ConfigError, match=re.escape(problem)):
            load_stack_config(json.dumps({"access": bad}), None, None)


def test_legacy_lists_may_be_json() -> None:
    tokens = parse_api_tokens({"OPERATOR_TOKENS": '["oncall-token-000001", "oncall-token-000002"]'})
    assert [(t.name, t.role) for t in tokens] == [("operator-1", Role.OPERATOR), ("operator-2", Role.OPERATOR)]
