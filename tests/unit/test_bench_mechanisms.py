"""The mechanisms bench: its A/B rounds alternate, and its pack figures describe a real pack."""

from __future__ import annotations

from bench import mechanisms
from libs.contracts.attributed import AcceptedSale
from libs.shared import jsonutil


async def test_rounds_alternate_and_report_each_sides_median() -> None:
    order: list[str] = []
    times = iter([1.0, 10.0, 3.0, 30.0, 2.0, 20.0, 5.0, 50.0, 4.0, 40.0])

    async def a() -> float:
        order.append("a")
        return next(times)

    async def b() -> float:
        order.append("b")
        return next(times)

    assert await mechanisms.interleaved(a, b) == (3.0, 30.0)
    assert order == ["a", "b"] * mechanisms.ROUNDS


def test_the_pack_is_of_valid_sale_events_and_deflates() -> None:
    AcceptedSale.model_validate(jsonutil.loads(mechanisms.sale_event()))
    figures = mechanisms.pack_deflate()
    assert figures["deflatedBytes"] < figures["plainBytes"]
    assert figures["microsPerEvent"] > 0
