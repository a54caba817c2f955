from __future__ import annotations

import pytest

from edgewatch.apm.dsn import Dsn, DsnError, Endpoint, PathError, parse_dsn, parse_ingest_path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the plain form
        ("https://abc@o1.ingest.example.com/42", Dsn("https", "abc", None, "o1.ingest.example.com", None, "", "42")),
        # a legacy secret, a port, and a path prefix (our shared route)
        ("http://abc:s3@127.0.0.1:8787/apm/7", Dsn("http", "abc", "s3", "127.0.0.1", 8787, "/apm", "7")),
        # a trailing slash is tolerated
        ("https://abc@host/apm/1/", Dsn("https", "abc", None, "host", None, "/apm", "1")),
    ],
)
def test_parse_dsn(text: str, expected: Dsn) -> None:
    assert parse_dsn(text) == expected


def test_envelope_url_is_where_the_sdk_posts() -> None:
    assert parse_dsn("https://abc@host/apm/1").envelope_url() == "https://host/apm/api/1/envelope/"
    assert parse_dsn("http://k@h:9/3").envelope_url() == "http://h:9/api/3/envelope/"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("ftp://abc@host/1", "scheme"),
        ("https://host/1", "public key"),
        ("https://abc@/1", "host"),
        ("https://abc@host/", "project id"),
        ("https://abc@host/x1", "project id"),
        ("https://abc@host/01", "project id"),  # not Sentry's form of an id
        ("https://abc@host:99999/1", "not a URL"),
    ],
)
def test_bad_dsns_name_the_problem(text: str, problem: str) -> None:
    with pytest.raises(DsnError, match=problem):
        parse_dsn(text)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/42/envelope/", ("42", Endpoint.ENVELOPE)),
        ("/api/42/envelope", ("42", Endpoint.ENVELOPE)),
        ("/api/42/store/", ("42", Endpoint.STORE)),
        ("/apm/api/1/envelope/", ("1", Endpoint.ENVELOPE)),
    ],
)
def test_ingest_paths(path: str, expected: tuple[str, Endpoint]) -> None:
    assert parse_ingest_path(path) == expected


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("/api/x/envelope/", "positive integer"),
        ("/api/0/envelope/", "positive integer"),
        ("/api/42/minidump/", "unknown ingest endpoint"),
        ("/v1/traces", "not an ingest path"),
        ("/api/99999999999999999999/envelope/", "positive integer"),
    ],
)
def test_bad_ingest_paths(path: str, problem: str) -> None:
    with pytest.raises(PathError, match=problem):
        parse_ingest_path(path)
