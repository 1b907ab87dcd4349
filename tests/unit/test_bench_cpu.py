"""The bench's CPU report: what one item costs the groups that handled it."""

from __future__ import annotations

import pytest

from bench.cpu import CpuReport
from bench.s2s_ingest import _cost_line, _stack_micros_per_sale


def _report() -> CpuReport:
    # Over the window: gateway 60% of a core, postgres 30%, the load generators 10%.
    return CpuReport(seconds=60.0, cpus=2, machine_busy_pct=110.0,
                     by_group={"gateway": 60.0, "postgres": 30.0, "loadgen": 10.0})


def test_the_cost_per_item_is_the_groups_cpu_time_over_the_items_handled() -> None:
    # 90% of a core at 1,500 items/s: 0.9 s of CPU per second / 1,500 = 600 us an item.
    assert _report().micros_per_item(1_500, ("gateway", "postgres")) == pytest.approx(600.0)
    assert _report().micros_per_item(1_500, ("gateway", "postgres", "loadgen")) == \
        pytest.approx(100.0 / 100 * 1e6 / 1_500)
    # A group the run did not see costs nothing.
    assert _report().micros_per_item(1_500, ("gateway", "webhooks")) == pytest.approx(400.0)


def test_no_items_cost_nothing_rather_than_dividing_by_zero() -> None:
    assert _report().micros_per_item(0, ("gateway",)) == 0.0


def test_the_s2s_stack_is_every_group_but_the_load_generators() -> None:
    assert _stack_micros_per_sale(_report(), 1_500) == pytest.approx(600.0)


def test_the_s2s_report_names_the_rate_the_cores_could_carry_at_that_cost() -> None:
    line = _cost_line(2, 600.0)
    # 2 cores = 2,000,000 us of CPU a second, at 600 us a sale.
    assert "600 us" in line and "at most 3333 sales/s" in line
