"""Infrastructure monitoring: probe samples of each Worker and binding, and their rollups.

The interface other packages and the adapters use is what this module exports.
"""

from __future__ import annotations

from .samples import Sample, iso, rollup_key
from .store import latest_rollups, latest_samples, record_samples, rollup_day, rollup_samples
from .summary import PERIODS, Rollup, TargetSummary, summarize

__all__ = [
    "PERIODS",
    "Rollup",
    "Sample",
    "TargetSummary",
    "iso",
    "latest_rollups",
    "latest_samples",
    "record_samples",
    "rollup_day",
    "rollup_key",
    "rollup_samples",
    "summarize",
]
