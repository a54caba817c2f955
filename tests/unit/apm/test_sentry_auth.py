from __future__ import annotations

import pytest

from edgewatch.apm.sentry_auth import (
    AuthError,
    AuthProblem,
    AuthSource,
    SentryAuth,
    auth_from_request,
    authorize,
    parse_auth_header,
    parse_project_keys,
)

PY_HEADER = "Sentry sentry_key=publickey123, sentry_version=7, sentry_client=sentry.python/2.75.0"
PY_AUTH = SentryAuth("publickey123", AuthSource.HEADER, "7", "sentry.python/2.75.0")
KEYS = {"publickey123": "42", "other": "7"}


def test_the_python_sdk_header() -> None:
    assert parse_auth_header(PY_HEADER) == {
        "sentry_key": "publickey123",
        "sentry_version": "7",
        "sentry_client": "sentry.python/2.75.0",
    }


@pytest.mark.parametrize(
    ("header", "query", "dsn", "expected"),
    [
        # the header (sentry-python)
        (PY_HEADER, {}, None, PY_AUTH),
        # the query string (the JavaScript SDKs)
        (None, {"sentry_key": "k1", "sentry_version": "7"}, None, SentryAuth("k1", AuthSource.QUERY, "7")),
        # the envelope header's dsn (a tunnel)
        (None, {}, "https://k2@host/apm/42", SentryAuth("k2", AuthSource.ENVELOPE)),
        # the header wins over the query, the query over the dsn
        (PY_HEADER, {"sentry_key": "k1"}, "https://k2@h/1", PY_AUTH),
        (None, {"sentry_key": "k1"}, "https://k2@h/1", SentryAuth("k1", AuthSource.QUERY)),
        # a header without a key falls through to the query
        ("Sentry sentry_version=7", {"sentry_key": "k1"}, None, SentryAuth("k1", AuthSource.QUERY)),
        # scheme and field names are case-insensitive, spacing is loose
        ("sentry  SENTRY_KEY=k3,sentry_version=7", {}, None, SentryAuth("k3", AuthSource.HEADER, "7")),
    ],
)  # fmt: skip
def test_where_the_key_comes_from(
    header: str | None, query: dict[str, str], dsn: str | None, expected: SentryAuth
) -> None:
    assert auth_from_request(header, query, dsn) == expected


@pytest.mark.parametrize(
    ("header", "query", "dsn", "problem", "status"),
    [
        (None, {}, None, AuthProblem.MISSING, 401),
        ("", {}, "", AuthProblem.MISSING, 401),
        ("Bearer abc", {}, None, AuthProblem.MALFORMED, 401),
        ("Sentry sentry_key", {}, None, AuthProblem.MALFORMED, 401),
        ("Sentry sentry_key=", {}, None, AuthProblem.MALFORMED, 401),
        (None, {"sentry_key": "a b"}, None, AuthProblem.MALFORMED, 401),
        (None, {"sentry_key": "k" * 200}, None, AuthProblem.MALFORMED, 401),
        (None, {}, "not a dsn", AuthProblem.MALFORMED, 401),
    ],
)
def test_unreadable_auth_is_401(
    header: str | None, query: dict[str, str], dsn: str | None, problem: AuthProblem, status: int
) -> None:
    with pytest.raises(AuthError) as caught:
        auth_from_request(header, query, dsn)
    assert (caught.value.problem, caught.value.status) == (problem, status)
    assert str(caught.value)


def test_authorize() -> None:
    auth = SentryAuth("publickey123", AuthSource.HEADER)
    assert authorize(auth, "42", KEYS) == "publickey123"
    with pytest.raises(AuthError) as wrong:
        authorize(auth, "7", KEYS)  # a known key, another project
    assert (wrong.value.problem, wrong.value.status) == (AuthProblem.WRONG_PROJECT, 403)
    with pytest.raises(AuthError) as unknown:
        authorize(SentryAuth("nope", AuthSource.QUERY), "42", KEYS)
    assert (unknown.value.problem, unknown.value.status) == (AuthProblem.UNKNOWN_KEY, 401)
    assert "query" in str(unknown.value)


def test_project_keys_from_the_secret() -> None:
    assert parse_project_keys("42:abc, 42:def\n7:ghi") == {"abc": "42", "def": "42", "ghi": "7"}
    assert parse_project_keys("") == {}
    with pytest.raises(ValueError, match="not 'project_id:public_key'"):
        parse_project_keys("42abc")
    with pytest.raises(ValueError, match="two projects"):
        parse_project_keys("1:abc 2:abc")
