from __future__ import annotations

import pytest

from edgewatch.logs.archive import object_key
from edgewatch.logs.retention import RetentionPolicy, RetentionReport, verify

DAY = 86_400_000
NOW = 1_795_737_600_000  # an hour boundary


def key(service: str, age_ms: int) -> str:
    return object_key(service, NOW - age_ms, "u")


@pytest.mark.parametrize(
    ("service", "age_ms", "expired"),
    [
        ("api", 29 * DAY, False),
        ("api", 30 * DAY, False),  # its hour ends an hour later: not yet all older than 30 d
        ("api", 30 * DAY + 3_600_000, True),  # the whole hour is older than 30 d
        ("auth", 60 * DAY, False),  # override: 90 d
        ("auth", 91 * DAY, True),
    ],
)
def test_expiry(service: str, age_ms: int, expired: bool) -> None:
    policy = RetentionPolicy.from_config("30d", {"auth": "90d"})
    assert policy.expired(key(service, age_ms), NOW) is expired


def test_foreign_keys_never_expire() -> None:
    assert not RetentionPolicy(DAY).expired("logs/readme.txt", NOW)


def test_verify_reports_oldest_and_violations() -> None:
    policy = RetentionPolicy.from_config("30d", {})
    keys = [key("api", DAY), key("api", 40 * DAY), "logs/notes.txt"]
    report = verify(policy, keys, NOW, RetentionReport(NOW, NOW))
    assert report.remaining == 2
    assert report.foreign == 1
    assert report.violations == 1
    assert report.oldest_key == keys[1]
    assert report.oldest_age_ms == 40 * DAY
    assert not report.ok
