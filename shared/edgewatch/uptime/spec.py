"""An HTTP check's definition: the spec, its JSON form, and the checks a config defines.

``check_spec_from_json`` reads one check (camelCase as in monitoring-config.json, snake_case too)
and raises ValueError naming the field; ``config_checks`` reads every check of ``healthChecks``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .fields import CONTROL, int_field, str_field

if TYPE_CHECKING:
    from ..config import HealthChecksConfig

METHODS = ("GET", "HEAD", "POST")
MAX_TIMEOUT_MS = 30_000
MIN_INTERVAL_MS = 60_000  # the runner is driven by the */1 cron
MAX_INTERVAL_MS = 86_400_000
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True)
class CheckSpec:
    id: str
    url: str
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    expected_status: tuple[int, ...] = (200,)
    keyword: str | None = None
    keyword_must_exist: bool = True
    timeout_ms: int = 10_000
    degraded_ms: int = 2_000
    retries_before_down: int = 2
    retries_before_up: int = 1
    interval_ms: int = 60_000
    name: str | None = None

    @property
    def failures_to_go_down(self) -> int:
        return self.retries_before_down + 1

    def to_json(self, *, redact: bool = False) -> dict[str, Any]:
        """camelCase JSON that ``check_spec_from_json`` reads back; ``redact`` hides header values."""
        return {
            "id": self.id,
            "name": self.name,
            "url": self.url,
            "method": self.method,
            "headers": {k: "[redacted]" if redact else v for k, v in self.headers},
            "expectedStatus": list(self.expected_status),
            "keyword": self.keyword,
            "keywordMustExist": self.keyword_must_exist,
            "timeoutMs": self.timeout_ms,
            "degradedMs": self.degraded_ms,
            "retriesBeforeDown": self.retries_before_down,
            "retriesBeforeUp": self.retries_before_up,
            "intervalMs": self.interval_ms,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> CheckSpec:
        """A spec as ``to_json`` wrote it (the codec decodes payloads with it)."""
        return check_spec_from_json(data)


# JSON key (camelCase as in monitoring-config.json) -> field; snake_case is accepted too.
_KEYS = {
    "id": "id",
    "name": "name",
    "url": "url",
    "method": "method",
    "headers": "headers",
    "expectedStatus": "expected_status",
    "keyword": "keyword",
    "keywordMustExist": "keyword_must_exist",
    "timeout": "timeout_ms",
    "timeoutMs": "timeout_ms",
    "degradedMs": "degraded_ms",
    "retriesBeforeDown": "retries_before_down",
    "retriesBeforeUp": "retries_before_up",
    "interval": "interval_ms",
    "intervalMs": "interval_ms",
}
_KEYS.update({v: v for v in list(_KEYS.values())})


def _headers(raw: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, Mapping):
        raise ValueError("headers: expected an object of header name to value")
    headers: list[tuple[str, str]] = []
    for name, value in raw.items():
        if not isinstance(name, str) or not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name):
            raise ValueError(f"headers: {name!r} is not a valid header name")
        if not isinstance(value, str) or CONTROL.search(value):
            raise ValueError(f"headers.{name}: expected a string without control characters")
        headers.append((name, value))
    return tuple(headers)


def _statuses(raw: object) -> tuple[int, ...]:
    statuses = [raw] if isinstance(raw, int) and not isinstance(raw, bool) else raw
    if not isinstance(statuses, list) or not statuses:
        raise ValueError("expectedStatus: expected a status code or a non-empty list of them")
    return tuple(int_field(f"expectedStatus.{i}", s, 100, 599) for i, s in enumerate(statuses))


def check_spec_from_json(data: Mapping[str, object], defaults: HealthChecksConfig | None = None) -> CheckSpec:
    """Build a CheckSpec from one JSON object; raise ValueError naming the field and the problem.

    ``defaults`` supplies the timeout when none is given, and the base URL that a path such as
    ``/health`` is joined to.
    """
    if not isinstance(data, Mapping):
        raise ValueError(f"check: expected an object, got {type(data).__name__}")
    values: dict[str, object] = {}
    for key, value in data.items():
        name = _KEYS.get(key)
        if name is None:
            raise ValueError(f"{key}: unknown field; allowed: {', '.join(sorted(_KEYS))}")
        if name in values:
            raise ValueError(f"{key}: given twice (camelCase and snake_case)")
        values[name] = value
    if "id" not in values:
        raise ValueError("id: required")
    if "url" not in values:
        raise ValueError("url: required")
    check_id = check_id_of(values["id"])
    name_raw = values.get("name")
    name = None if name_raw is None else str_field("name", name_raw)[:120]

    url = str_field("url", values["url"])
    if url.startswith("/"):
        base = defaults.base_url if defaults is not None else None
        if base is None:
            raise ValueError(f"url: {url!r} is a path but no baseUrl is configured; use an http(s) URL")
        url = base.rstrip("/") + url
    if not re.match(r"^https?://[^/\s?#]+", url) or any(c.isspace() for c in url):
        raise ValueError(f"url: {url!r} must be an http:// or https:// URL with a host")

    method = str_field("method", values.get("method", "GET")).upper()
    if method not in METHODS:
        raise ValueError(f"method: {method!r} is not one of {', '.join(METHODS)}")

    headers = _headers(values.get("headers", {}))

    expected = _statuses(values.get("expected_status", [200]))

    keyword_raw = values.get("keyword")
    keyword = None if keyword_raw is None else str_field("keyword", keyword_raw)
    must_exist = values.get("keyword_must_exist", True)
    if not isinstance(must_exist, bool):
        raise ValueError("keywordMustExist: expected true or false")
    if keyword is not None and method == "HEAD":
        raise ValueError("keyword: a HEAD response has no body to search; use GET")

    default_timeout = defaults.timeout if defaults is not None else CheckSpec.timeout_ms
    timeout_ms = int_field("timeout", values.get("timeout_ms", default_timeout), 1, MAX_TIMEOUT_MS)
    degraded_ms = int_field(
        "degradedMs", values.get("degraded_ms", min(CheckSpec.degraded_ms, timeout_ms)), 1, timeout_ms
    )
    retries_down = int_field(
        "retriesBeforeDown", values.get("retries_before_down", CheckSpec.retries_before_down), 0, 100
    )
    retries_up = int_field("retriesBeforeUp", values.get("retries_before_up", CheckSpec.retries_before_up), 1, 100)
    default_interval = defaults.interval if defaults is not None else CheckSpec.interval_ms
    interval = int_field("interval", values.get("interval_ms", default_interval), MIN_INTERVAL_MS, MAX_INTERVAL_MS)

    return CheckSpec(
        id=check_id,
        url=url,
        method=method,
        headers=headers,
        expected_status=expected,
        keyword=keyword,
        keyword_must_exist=must_exist,
        timeout_ms=timeout_ms,
        degraded_ms=degraded_ms,
        retries_before_down=retries_down,
        retries_before_up=retries_up,
        interval_ms=interval,
        name=name,
    )


def check_id_of(value: object) -> str:
    """Ids appear in URLs: 1-64 characters of letters, digits, '.', '_' and '-'."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise ValueError("id: expected 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
    return value


def endpoint_check_id(endpoint: str) -> str:
    """ "/api/auth/health" -> "api-auth-health"; "https://x.example/up" -> "x.example-up"."""
    text = re.sub(r"^https?://", "", endpoint)
    slug = re.sub(r"[^A-Za-z0-9._]+", "-", text).strip("-._")[:64].strip("-._")
    return slug or "root"


def config_checks(config: HealthChecksConfig, base_url: str | None = None) -> tuple[list[CheckSpec], list[str]]:
    """Every HTTP check the config defines, and the ids of those that wait for a base URL.

    ``base_url`` (from the Worker's MONITORED_BASE_URL) applies when the config has no ``baseUrl``.
    A check given as a path cannot run without one; it is reported, not guessed. Raises ValueError
    naming the problem for an invalid check or a repeated id.
    """
    if config.base_url is None and base_url is not None:
        config = config.model_copy(update={"base_url": base_url})
    raw = [{"id": endpoint_check_id(e), "url": e} for e in config.endpoints] + list(config.checks)
    specs: list[CheckSpec] = []
    waiting: list[str] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        where = f"endpoints.{i}" if i < len(config.endpoints) else f"checks.{i - len(config.endpoints)}"
        url = item.get("url") if isinstance(item, Mapping) else None
        try:
            if isinstance(url, str) and url.startswith("/") and config.base_url is None:
                check_spec_from_json({**item, "url": "http://base.invalid" + url}, config)
                check_id = str(item["id"])
                waiting.append(check_id)
            else:
                spec = check_spec_from_json(item, config)
                check_id = spec.id
                specs.append(spec)
        except ValueError as exc:
            raise ValueError(f"{where}.{exc}") from None
        if check_id in seen:
            raise ValueError(f"{where}: check id {check_id!r} is defined twice")
        seen.add(check_id)
    return specs, waiting
