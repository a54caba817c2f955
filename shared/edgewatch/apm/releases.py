"""Which of two releases is newer, for regressions.

The rule: a release is ``[package@]version[+build]`` as Sentry names them (``shop@1.4.0+build.7``).
Two releases of different packages cannot be ordered. Versions that look like semver (1 to 4
numeric parts, an optional ``v``, an optional ``-prerelease``) are ordered by their numbers, then
a pre-release before its release (``1.0.0-rc.1 < 1.0.0``, identifiers compared as semver does),
then by build (numeric builds as numbers, ``build.7 < build.12``, and no build before any build).
Anything else (a git SHA, a date tag) is ordered by when the project first saw it, if the caller
knows (``first_seen``); otherwise the two cannot be ordered, and ``compare_releases`` says None.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_SEMVER = re.compile(r"[vV]?+([0-9]{1,18}+(?:\.[0-9]{1,18}+){0,3}+)(?:-([0-9A-Za-z.-]++))?+(?:\+([0-9A-Za-z.-]++))?+")
_DIGITS = re.compile(r"[0-9]++")


@dataclass(frozen=True)
class Release:
    package: str | None
    numbers: tuple[int, ...]
    prerelease: tuple[int | str, ...] | None
    build: str | None


def parse_release(text: str) -> Release | None:
    """None when the version is not semver-like."""
    package, at, version = text.rpartition("@")
    if not at:
        package, version = "", text
    match = _SEMVER.fullmatch(version.strip())
    if match is None:
        return None
    numbers = tuple(int(n) for n in match.group(1).split("."))
    numbers = numbers + (0,) * (4 - len(numbers))
    pre = match.group(2)
    prerelease = tuple(int(p) if p.isdigit() else p for p in pre.split(".")) if pre else None
    return Release(package or None, numbers, prerelease, match.group(3))


def _sign(a: Any, b: Any) -> int:
    return int(a > b) - int(a < b)


def _compare_prerelease(a: tuple[int | str, ...] | None, b: tuple[int | str, ...] | None) -> int:
    if a is None or b is None:
        return (a is None) - (b is None)  # a release is newer than any of its pre-releases
    for x, y in zip(a, b, strict=False):
        if x != y:
            if isinstance(x, int) and isinstance(y, int):
                return _sign(x, y)
            if isinstance(x, int) or isinstance(y, int):
                return -1 if isinstance(x, int) else 1  # numeric identifiers sort first
            return _sign(x, y)
    return _sign(len(a), len(b))


def _build_key(build: str) -> tuple[tuple[int, int | str], ...]:
    """'build.12' -> ((1, 'build.'), (0, 12)): digit runs compare as numbers."""
    parts: list[tuple[int, int | str]] = []
    pos = 0
    for match in _DIGITS.finditer(build):
        if match.start() > pos:
            parts.append((1, build[pos : match.start()]))
        parts.append((0, int(match.group())))
        pos = match.end()
    if pos < len(build):
        parts.append((1, build[pos:]))
    return tuple(parts)


def _compare_build(a: str | None, b: str | None) -> int:
    if a is None or b is None:
        return (b is None) - (a is None)  # no build sorts before a build
    return _sign(_build_key(a), _build_key(b))


def compare_releases(a: str, b: str, first_seen: Mapping[str, int] | None = None) -> int | None:
    """-1, 0 or 1 as ``a`` is older than, the same as, or newer than ``b``; None if they cannot be ordered."""
    if a == b:
        return 0
    ra, rb = parse_release(a), parse_release(b)
    if ra is not None and rb is not None:
        if ra.package != rb.package and ra.package is not None and rb.package is not None:
            return None
        return (
            _sign(ra.numbers, rb.numbers)
            or _compare_prerelease(ra.prerelease, rb.prerelease)
            or _compare_build(ra.build, rb.build)
        )
    if first_seen is not None and a in first_seen and b in first_seen and first_seen[a] != first_seen[b]:
        return _sign(first_seen[a], first_seen[b])
    return None
