from __future__ import annotations

import pytest

from edgewatch.errors import Unprocessable
from edgewatch.vitals import VITAL_NAMES, VitalsQuery, parse_vitals_query

NOW = 1_795_737_600_000
DAY = 86_400_000


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, VitalsQuery(list(VITAL_NAMES), NOW + 1 - DAY, NOW + 1, None, None)),  # every vital, the last day
        ({"name": "lcp"}, VitalsQuery(["LCP"], NOW + 1 - DAY, NOW + 1, None, None)),
        ({"name": "", "route": "", "device": ""}, VitalsQuery(list(VITAL_NAMES), NOW + 1 - DAY, NOW + 1, None, None)),
        (
            {"from": "1000", "to": "5000", "route": "/a", "device": "mobile"},
            VitalsQuery(list(VITAL_NAMES), 1000, 5000, "/a", "mobile"),
        ),
        ({"to": "5000"}, VitalsQuery(list(VITAL_NAMES), 5000 - DAY, 5000, None, None)),
    ],
)
def test_parse_vitals_query(params: dict[str, str], expected: VitalsQuery) -> None:
    assert parse_vitals_query(params, NOW) == expected


def test_unknown_vital_is_refused() -> None:
    with pytest.raises(Unprocessable, match="name must be one of CLS, FCP, FID, INP, LCP, TTFB"):
        parse_vitals_query({"name": "fps"}, NOW)
