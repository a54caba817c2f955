from __future__ import annotations

from edgewatch.apm.client.breadcrumbs import Breadcrumbs, breadcrumb


def test_the_ring_keeps_the_newest_up_to_its_limit() -> None:
    ring = Breadcrumbs(3)
    for n in range(5):
        ring.add(breadcrumb(1_000 * n, f"step {n}"))
    assert [c.message for c in ring.values()] == ["step 2", "step 3", "step 4"]
    assert ring.payload()["values"][0] == {"timestamp": 2.0, "type": "default", "level": "info", "message": "step 2"}


def test_a_zero_limit_keeps_nothing_and_the_default_is_100() -> None:
    none = Breadcrumbs(0)
    none.add(breadcrumb(1, "x"))
    assert len(none) == 0
    ring = Breadcrumbs()
    for n in range(150):
        ring.add(breadcrumb(n, "x"))
    assert len(ring) == 100


def test_fields_are_normalised() -> None:
    crumb = breadcrumb(1_500, "m" * 2000, category="http", level="WARNING", type="http", data={"status": 500})
    assert crumb.payload() == {
        "timestamp": 1.5,
        "type": "http",
        "level": "warning",
        "message": "m" * 1024,
        "category": "http",
        "data": {"status": 500},
    }
    assert breadcrumb(0, level="loud").level == "info"
