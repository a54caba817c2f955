"""The report's shape: the period, one entry per section, and the cost.

Each section is fetched from the concern that owns it and may fail on its own: a failed section is
``{"error": {"code": "section_unavailable", "message": ...}}`` and is named in ``errors``, and
every other section still renders. The stack has no cost meter yet, so ``cost`` is null and
``cost_reason`` says why.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..health import describe_error
from .period import ReportPeriod

REPORT_VERSION = 1
SECTIONS = ("uptime", "alerts", "issues", "endpoints", "vitals", "security", "logs", "retention")
COST_REASON = "no cost meter exists yet: the stack does not measure its own Cloudflare usage"


@dataclass(frozen=True)
class SectionResult:
    data: Any = None
    error: str | None = None

    @classmethod
    def failed(cls, exc: BaseException | str) -> SectionResult:
        return cls(error=exc if isinstance(exc, str) else describe_error(exc))

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_json(self) -> Any:
        if self.error is not None:
            return {"error": {"code": "section_unavailable", "message": self.error}}
        return self.data


def section_of(build: Callable[[], Any]) -> SectionResult:
    """Run one section's (pure) builder: its data, or its failure as data."""
    try:
        return SectionResult(build())
    except Exception as exc:
        return SectionResult.failed(exc)


def assemble(
    period: ReportPeriod, generated_ms: int, sections: Mapping[str, SectionResult], *, kind: str = "on_demand"
) -> dict[str, Any]:
    """The report as JSON; a section that was not fetched at all counts as failed."""
    results = {name: sections.get(name, SectionResult.failed("not fetched")) for name in SECTIONS}
    return {
        "version": REPORT_VERSION,
        "kind": kind,
        "from": period.start_ms,  # as the other read APIs put them; ``period`` has the rest
        "to": period.end_ms,
        "period": period.to_json(),
        "generated_ms": generated_ms,
        "sections": {name: result.to_json() for name, result in results.items()},
        "errors": [name for name, result in results.items() if not result.ok],
        "cost": None,
        "cost_reason": COST_REASON,
    }
