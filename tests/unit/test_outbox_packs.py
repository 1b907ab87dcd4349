"""How the outbox relay packs rows: runs of one routing key, in order, capped in size."""

from __future__ import annotations

import uuid
from typing import Any

from libs.shared.outbox import packs


def _row(key: str, n: int) -> dict[str, Any]:
    return {"id": uuid.UUID(int=n), "routing_key": key, "payload": f'{{"n": {n}}}',
            "headers": {"x-request-id": f"r{n}", "empty": None}}


def test_runs_of_one_key_in_order_and_capped() -> None:
    keys = ["a", "a", "a", "b", "a", "a", "a", "a", "a"]
    runs = packs([_row(k, n) for n, k in enumerate(keys)], 3)  # type: ignore[misc]
    assert [(key, [int(uuid.UUID(e[0]).int) for e in events]) for key, events in runs] == [
        ("a", [0, 1, 2]), ("b", [3]), ("a", [4, 5, 6]), ("a", [7, 8])]
    first = runs[0][1][0]
    assert first[1] == b'{"n": 0}' and first[2] == {"x-request-id": "r0"}  # empty dropped


def test_no_rows_no_runs() -> None:
    assert packs([], 50) == []
