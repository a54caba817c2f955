from __future__ import annotations

import pytest

from edgewatch.apm.releases import compare_releases, parse_release


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("shop@1.4.0", "shop@1.4.0", 0),
        ("shop@1.5.0", "shop@1.4.0", 1),
        ("shop@1.10.0", "shop@1.9.9", 1),  # numbers, not text
        ("1.4", "1.4.0", 0),  # missing parts are zeros
        ("v2.0.0", "1.9.0", 1),
        ("1.2.3.4", "1.2.3.3", 1),  # a fourth part
        ("1.0.0-rc.1", "1.0.0", -1),  # a pre-release before its release
        ("1.0.0-alpha", "1.0.0-alpha.1", -1),  # semver's pre-release order
        ("1.0.0-alpha.beta", "1.0.0-beta", -1),
        ("1.0.0-beta.2", "1.0.0-beta.11", -1),
        ("1.0.0-1", "1.0.0-alpha", -1),  # numeric identifiers sort first
        ("shop@1.4.0+build.12", "shop@1.4.0+build.7", 1),  # builds as numbers
        ("shop@1.4.0+7", "shop@1.4.0", 1),  # a build after no build
        ("shop@1.4.0", "web@1.5.0", None),  # other packages
        ("shop@2.0", "2.0.1", -1),  # one without a package: ordered by version
        ("a1b2c3d", "e4f5a6b", None),  # commit shas: unknown without first-seen times
        ("1234", "999", 1),  # build numbers
    ],
)
def test_compare(a: str, b: str, expected: int | None) -> None:
    assert compare_releases(a, b) == expected
    if expected is not None:
        assert compare_releases(b, a) == -expected


def test_first_seen_orders_what_semver_cannot() -> None:
    seen = {"a1b2c3d": 100, "e4f5a6b": 200}
    assert compare_releases("e4f5a6b", "a1b2c3d", seen) == 1
    assert compare_releases("a1b2c3d", "zzz", seen) is None  # one unknown


def test_parse() -> None:
    release = parse_release("shop@1.4.0-rc.1+build.7")
    assert release is not None
    assert (release.package, release.numbers, release.prerelease, release.build) == (
        "shop",
        (1, 4, 0, 0),
        ("rc", 1),
        "build.7",
    )
    assert parse_release("main-2026-12-01") is None
    assert parse_release("@scope/pkg@1.0.0") is not None  # npm scopes keep their first '@'
