from __future__ import annotations

import pytest

from edgewatch.config import ConfigError, HealthChecksConfig
from edgewatch.stack import load_monitoring
from edgewatch.uptime.spec import CheckSpec, check_spec_from_json, config_checks, endpoint_check_id

H, D, W = 3_600_000, 86_400_000, 604_800_000
SPEC = CheckSpec(id="api", url="https://api.example.com/health")
KW = CheckSpec(id="kw", url="https://x.example/", keyword="healthy")
KW_ABSENT = CheckSpec(id="kw2", url="https://x.example/", keyword="maintenance", keyword_must_exist=False)

# --- check_spec_from_json ----------------------------------------------------------------------


def test_spec_from_json_full() -> None:
    spec = check_spec_from_json(
        {
            "id": "api",
            "url": "https://api.example.com/health",
            "method": "post",
            "headers": {"Authorization": "Bearer x"},
            "expectedStatus": [200, 204],
            "keyword": "ok",
            "keywordMustExist": False,
            "timeout": 5000,
            "degradedMs": 800,
            "retriesBeforeDown": 3,
            "retriesBeforeUp": 2,
        },
        None,
    )
    assert spec == CheckSpec(
        id="api",
        url="https://api.example.com/health",
        method="POST",
        headers=(("Authorization", "Bearer x"),),
        expected_status=(200, 204),
        keyword="ok",
        keyword_must_exist=False,
        timeout_ms=5000,
        degraded_ms=800,
        retries_before_down=3,
        retries_before_up=2,
    )


def test_spec_from_json_defaults_and_base_url() -> None:
    defaults = HealthChecksConfig.model_validate({"timeout": 3000, "baseUrl": "https://app.example.com/"})
    spec = check_spec_from_json({"id": "h", "url": "/health", "expectedStatus": 204}, defaults)
    assert spec.url == "https://app.example.com/health"
    assert spec.timeout_ms == 3000  # from HealthChecksConfig
    assert spec.degraded_ms == 2000
    assert spec.expected_status == (204,)  # a single status is accepted
    assert (spec.retries_before_down, spec.retries_before_up) == (2, 1)


@pytest.mark.parametrize(
    ("data", "phrase"),
    [
        ({"url": "https://a.example"}, "id: required"),
        ({"id": "a"}, "url: required"),
        ({"id": "a", "url": "ftp://a.example"}, "must be an http:// or https:// URL"),  # not http(s)
        ({"id": "a", "url": "javascript:alert(1)"}, "must be an http:// or https:// URL"),
        ({"id": "a", "url": "https://"}, "with a host"),  # no host
        ({"id": "a", "url": "/health"}, "no baseUrl"),  # a path needs a base URL
        ({"id": "a", "url": "https://a.example", "method": "DELETE"}, "method: 'DELETE' is not one of"),
        ({"id": "a", "url": "https://a.example", "expectedStatus": [99]}, "out of range 100..599"),
        ({"id": "a", "url": "https://a.example", "expectedStatus": [600]}, "out of range 100..599"),
        ({"id": "a", "url": "https://a.example", "expectedStatus": []}, "non-empty list"),
        ({"id": "a", "url": "https://a.example", "expectedStatus": ["200"]}, "expected an integer"),
        ({"id": "a", "url": "https://a.example", "timeout": 0}, "timeout: 0 is out of range 1..30000"),
        ({"id": "a", "url": "https://a.example", "timeout": 30001}, "out of range 1..30000"),
        ({"id": "a", "url": "https://a.example", "timeout": True}, "expected an integer"),  # bool is not int here
        ({"id": "a", "url": "https://a.example", "degradedMs": 20000}, "degradedMs: 20000 is out of range"),
        ({"id": "a", "url": "https://a.example", "retriesBeforeUp": 0}, "retriesBeforeUp: 0"),
        ({"id": "a", "url": "https://a.example", "retriesBeforeDown": -1}, "retriesBeforeDown: -1"),
        ({"id": "a", "url": "https://a.example", "method": "HEAD", "keyword": "x"}, "HEAD response has no body"),
        ({"id": "a", "url": "https://a.example", "headers": {"X": "a\nb"}}, "control characters"),  # header injection
        ({"id": "a", "url": "https://a.example", "headers": {"bad name": "v"}}, "not a valid header name"),
        ({"id": "a", "url": "https://a.example", "intervl": 5}, "intervl: unknown field"),  # typo is caught
        ({"id": "a", "url": "https://a.example", "timeout": 1, "timeout_ms": 2}, "given twice"),
    ],
)
def test_spec_from_json_rejects(data: dict[str, object], phrase: str) -> None:
    with pytest.raises(ValueError, match=phrase):
        check_spec_from_json(data, None)


MIN = 60_000
T = 1_800_000_000_000  # 2027-01-15T08:00:00Z


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        ("/api/health", "api-health"),
        ("/api/auth/health", "api-auth-health"),
        ("https://status.example.com/up?x=1", "status.example.com-up-x-1"),
        ("/", "root"),
        ("/" + "a" * 100, "a" * 64),  # ids are bounded
    ],
)
def test_endpoint_check_id(endpoint: str, expected: str) -> None:
    assert endpoint_check_id(endpoint) == expected


def test_config_checks_join_paths_to_the_base_url() -> None:
    config = HealthChecksConfig(
        endpoints=["/api/health", "https://other.example/ping"], base_url="https://app.example/"
    )
    specs, waiting = config_checks(config)
    assert [(s.id, s.url) for s in specs] == [
        ("api-health", "https://app.example/api/health"),
        ("other.example-ping", "https://other.example/ping"),
    ]
    assert waiting == []
    assert specs[0].timeout_ms == 10_000  # healthChecks.timeout


def test_config_checks_without_a_base_url_wait_for_one() -> None:
    config = HealthChecksConfig(endpoints=["/api/health", "https://other.example/ping"])
    specs, waiting = config_checks(config)
    assert [s.id for s in specs] == ["other.example-ping"]
    assert waiting == ["api-health"]
    specs, waiting = config_checks(config, "http://127.0.0.1:8080")  # MONITORED_BASE_URL
    assert [s.url for s in specs] == ["http://127.0.0.1:8080/api/health", "https://other.example/ping"]
    assert waiting == []


def test_config_checks_take_full_specs() -> None:
    config = HealthChecksConfig(
        checks=[{"id": "search", "url": "https://app.example/search", "keyword": "results", "interval": 300_000}]
    )
    [spec] = config_checks(config)[0]
    assert spec.keyword == "results"
    assert spec.interval_ms == 300_000


@pytest.mark.parametrize(
    ("health_checks", "problem"),
    [
        ({"checks": [{"id": "x", "url": "ftp://x"}]}, "checks.0.url"),
        ({"checks": [{"url": "https://x.example"}]}, "checks.0.id: required"),
        ({"endpoints": ["/api/health"], "checks": [{"id": "api-health", "url": "https://x.example"}]}, "defined twice"),
        ({"heartbeats": [{"id": "job", "every": "10s"}]}, "heartbeats.0.every"),
        ({"heartbeats": [{"id": "job"}]}, "heartbeats.0.every: required"),
        ({"maintenance": [{"id": "m", "start": "2026-01-01T00:00:00", "end": 1}]}, "needs a time zone"),
        ({"concurrency": 0}, "concurrency"),
    ],
)
def test_invalid_monitors_in_the_config_are_named(health_checks: dict[str, object], problem: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_monitoring({"healthChecks": health_checks})
    assert problem in str(info.value)
