"""The apm Worker's settings from its vars and secrets, each parsed once per text: the Sentry project
keys, the scrubber (from ``monitoring.logging.scrubbing``), the spike limits and the CORS origins;
and the stub of a project's IssueStore."""

from __future__ import annotations

from typing import Any

from edgewatch.apm import (
    BrotliDecoder,
    SpikeLimit,
    allowed_origins,
    parse_project_keys,
    parse_spike_limits,
    system_brotli,
)
from edgewatch.errors import ServiceUnavailable, error_line
from edgewatch.logs import Scrubber, rules_from_config
from edgewatch_cf.bindings import named_stub
from edgewatch_cf.settings import stack_config

_cache: dict[tuple[str, str], Any] = {}
_brotli: list[BrotliDecoder | None] = []


def _var(env: Any, name: str) -> str:
    value = getattr(env, name, None)
    return "" if value is None else str(value)


def _cached(kind: str, text: str, build: Any) -> Any:
    key = (kind, text)
    if key not in _cache:
        if len(_cache) > 32:
            _cache.clear()
        _cache[key] = build(text)
    return _cache[key]


def development(env: Any) -> bool:
    return _var(env, "ENVIRONMENT") == "development"


def project_keys(env: Any) -> dict[str, str]:
    """public key -> project id, from the SENTRY_PROJECT_KEYS secret (``"1:key,2:other"``)."""
    try:
        return dict(_cached("keys", _var(env, "SENTRY_PROJECT_KEYS"), parse_project_keys))
    except ValueError as exc:
        raise ServiceUnavailable(f"SENTRY_PROJECT_KEYS is invalid: {error_line(exc)}") from None


def spike_limits(env: Any) -> dict[str, dict[str, SpikeLimit]]:
    try:
        return dict(_cached("spike", _var(env, "SENTRY_SPIKE_LIMITS"), parse_spike_limits))
    except ValueError as exc:
        raise ServiceUnavailable(error_line(exc)) from None


def origins(env: Any) -> frozenset[str]:
    return frozenset(_cached("origins", _var(env, "SENTRY_ALLOWED_ORIGINS"), allowed_origins))


def scrubber(env: Any) -> Scrubber:
    """The logs scrubber, built once per configuration (and hash salt)."""
    config = stack_config(env)
    salt = _var(env, "SCRUB_HASH_SALT")
    key = ("scrubber", f"{id(config)}:{salt}")
    found = _cache.get(key)
    if found is None or found[0] is not config:
        found = _cache[key] = (config, Scrubber(rules_from_config(config.monitoring.logging.scrubbing, salt)))
    return found[1]  # type: ignore[no-any-return]


def brotli() -> BrotliDecoder | None:
    """The brotli decoder where one is importable (never in the Worker: a br body answers 415)."""
    if not _brotli:
        _brotli.append(system_brotli())
    return _brotli[0]


def issue_store(env: Any, project: str) -> Any:
    return named_stub(env.ISSUE_STORE, f"issues-{project}")
