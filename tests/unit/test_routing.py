from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edgewatch.errors import MethodNotAllowed, NotFound
from edgewatch.routing import Router


def _router() -> Router[str]:
    router: Router[str] = Router()
    router.add("GET", "/health", "health")
    router.add("GET", "/logs", "list_logs")
    router.add("POST", "/logs", "ingest_logs")
    router.add("GET", "/logs/{log_id}", "get_log")
    router.add("DELETE", "/logs/{log_id}", "delete_log")
    router.add("GET", "/files/{key:path}", "get_file")
    router.add("GET", "/a.b", "dotted")
    router.add("put", "/jobs/{name}/run", "run_job")  # methods are case-insensitive
    return router


@pytest.mark.parametrize(
    ("method", "path", "handler", "params"),
    [
        ("GET", "/health", "health", {}),
        ("get", "/health", "health", {}),  # method case does not matter
        ("HEAD", "/health", "health", {}),  # HEAD falls back to GET
        ("GET", "/logs", "list_logs", {}),
        ("POST", "/logs", "ingest_logs", {}),
        ("GET", "/logs/abc", "get_log", {"log_id": "abc"}),
        ("DELETE", "/logs/abc", "delete_log", {"log_id": "abc"}),
        ("GET", "/logs/a%2Fb", "get_log", {"log_id": "a%2Fb"}),  # an encoded slash stays in the segment
        ("GET", "/files/2026/11/01/x.json", "get_file", {"key": "2026/11/01/x.json"}),  # :path spans slashes
        ("GET", "/files/x", "get_file", {"key": "x"}),
        ("GET", "/a.b", "dotted", {}),
        ("PUT", "/jobs/rollup_1h/run", "run_job", {"name": "rollup_1h"}),
    ],
)
def test_resolve(method: str, path: str, handler: str, params: dict[str, str]) -> None:
    match = _router().resolve(method, path)
    assert match.handler == handler
    assert match.params == params


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/healthz",  # no prefix matching
        "/health/",  # no trailing-slash matching
        "/logs/",  # a parameter needs at least one character
        "/logs/a/b",  # a plain parameter is one segment
        "/files/",  # :path also needs at least one character
        "/aXb",  # '.' in a pattern is literal, not a regex wildcard
        "health",
        "",
        "/HEALTH",  # paths are case-sensitive
    ],
)
def test_not_found(path: str) -> None:
    with pytest.raises(NotFound) as info:
        _router().resolve("GET", path)
    assert info.value.status == 404
    assert info.value.code == "not_found"


@pytest.mark.parametrize(
    "path",
    [
        "/health\n",  # '$' must not match before a trailing newline
        "/logs\n",
        "/a.b\n",
    ],
)
def test_trailing_newline_is_not_found(path: str) -> None:
    router = _router()
    with pytest.raises(NotFound):
        router.resolve("GET", path)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("POST", "/health", ["GET", "HEAD"]),  # GET implies HEAD
        ("PUT", "/logs", ["GET", "HEAD", "POST"]),
        ("PATCH", "/logs/x", ["DELETE", "GET", "HEAD"]),
        ("GET", "/jobs/x/run", ["PUT"]),  # no HEAD when there is no GET
        ("HEAD", "/jobs/x/run", ["PUT"]),
    ],
)
def test_method_not_allowed(method: str, path: str, allowed: list[str]) -> None:
    with pytest.raises(MethodNotAllowed) as info:
        _router().resolve(method, path)
    error = info.value
    assert error.status == 405
    assert error.headers == {"Allow": ", ".join(allowed)}
    assert error.message == f"{method.upper()} is not allowed on {path}; allowed: {', '.join(allowed)}"


def test_allowed_methods_are_collected_across_matching_patterns() -> None:
    router: Router[str] = Router()
    router.add("GET", "/items/{id}", "get")
    router.add("POST", "/items/new", "create")
    with pytest.raises(MethodNotAllowed) as info:
        router.resolve("DELETE", "/items/new")
    assert info.value.headers["Allow"] == "GET, HEAD, POST"


def test_first_registered_pattern_wins() -> None:
    router: Router[str] = Router()
    router.add("GET", "/items/{id}", "by_id")
    router.add("GET", "/items/new", "new")
    assert router.resolve("GET", "/items/new").handler == "by_id"


def test_duplicate_route_is_rejected() -> None:
    router: Router[str] = Router()
    router.add("GET", "/x", "a")
    with pytest.raises(ValueError, match="duplicate route GET /x"):
        router.add("get", "/x", "b")


@pytest.mark.parametrize("pattern", ["", "health", "{x}"])
def test_pattern_must_start_with_slash(pattern: str) -> None:
    with pytest.raises(ValueError, match="must start with '/'"):
        Router[str]().add("GET", pattern, "h")


def test_routes_lists_method_and_pattern() -> None:
    assert _router().routes() == [
        ("GET", "/health"),
        ("GET", "/logs"),
        ("POST", "/logs"),
        ("GET", "/logs/{log_id}"),
        ("DELETE", "/logs/{log_id}"),
        ("GET", "/files/{key:path}"),
        ("GET", "/a.b"),
        ("PUT", "/jobs/{name}/run"),
    ]


def test_regex_metacharacters_in_patterns_are_literal() -> None:
    router: Router[str] = Router()
    router.add("GET", "/v1+/(x)", "meta")
    assert router.resolve("GET", "/v1+/(x)").handler == "meta"
    with pytest.raises(NotFound):
        router.resolve("GET", "/v11/x")


@given(method=st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]), path=st.text())
def test_resolve_raises_only_not_found_or_method_not_allowed(method: str, path: str) -> None:
    router = _router()
    try:
        match = router.resolve(method, path)
    except (NotFound, MethodNotAllowed):
        return
    # A match binds every captured name to a non-empty string found in the path.
    assert all(value and value in path for value in match.params.values())


@given(segment=st.text(alphabet=st.characters(exclude_characters="/"), min_size=1))
def test_segment_parameter_round_trips(segment: str) -> None:
    match = _router().resolve("GET", f"/logs/{segment}")
    assert match.handler == "get_log"
    assert match.params == {"log_id": segment}


@given(key=st.text(min_size=1))
def test_path_parameter_round_trips(key: str) -> None:
    # Like a segment parameter, a trailing {name:path} takes any remaining text, newlines included.
    match = _router().resolve("GET", f"/files/{key}")
    assert match.handler == "get_file"
    assert match.params == {"key": key}


@pytest.mark.parametrize(
    ("method", "path", "pattern"),
    [
        ("GET", "/logs/abc", "/logs/{log_id}"),  # the declared route, for trace span names
        ("HEAD", "/health", "/health"),
        ("GET", "/files/a/b", "/files/{key:path}"),
    ],
)
def test_a_match_names_its_pattern(method: str, path: str, pattern: str) -> None:
    assert _router().resolve(method, path).pattern == pattern
