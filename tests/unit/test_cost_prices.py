from __future__ import annotations

import pytest

from edgewatch.cost import Operations, PriceTable, SqlUsage, dollars


def test_a_million_rows_written_cost_a_dollar_at_list_price() -> None:
    bill = dollars(Operations(do_rows_written=1_000_000), PriceTable())
    assert bill["do_rows_written"] == pytest.approx(1.00) and bill["total"] == pytest.approx(1.00)


def test_every_line_is_priced_and_summed() -> None:
    ops = Operations(
        worker_requests=2e6, worker_cpu_ms=1e6, do_requests=1e6, do_gb_seconds=1e6, do_rows_read=1e6,
        do_rows_written=1e6, do_stored_gb_months=1, r2_class_a=1e6, r2_class_b=1e6, r2_stored_gb_months=1,
        kv_reads=1e6, kv_writes=1e6, kv_stored_gb_months=1,
    )  # fmt: skip
    bill = dollars(ops, PriceTable())
    expected = 0.60 + 0.02 + 0.15 + 12.50 + 0.001 + 1.00 + 0.20 + 4.50 + 0.36 + 0.015 + 0.50 + 5.00 + 0.50
    assert bill["total"] == pytest.approx(expected)
    assert len(bill) == 14


def test_overrides_change_one_price_and_refuse_unknown_names() -> None:
    table = PriceTable.with_overrides({"do_rows_written_per_m": 0.5})
    assert table.do_rows_written_per_m == 0.5 and table.r2_class_a_per_m == 4.50
    with pytest.raises(ValueError, match="unknown price"):
        PriceTable.with_overrides({"rows_per_m": 1.0})


def test_sql_usage_adds_statements() -> None:
    usage = SqlUsage()
    usage.add(3, 2)
    usage.add(1, 0)
    assert usage == SqlUsage(2, 4, 2) and usage.plus(SqlUsage(1, 1, 1)) == SqlUsage(3, 5, 3)
