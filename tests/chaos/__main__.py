"""``python -m tests.chaos [--rate N] [--spacing S]`` (``make chaos``): run the fault harness,
print its table and exit 1 on any loss."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import Any

from bench.stack import RekomiStack
from tests.chaos.harness import (
    GATEWAY_PORT,
    OPS_BASE_PORT,
    OVERRIDES,
    Run,
    books,
    faults,
    load,
    seller,
)

LOSSES = ("answeredNotBooked", "bookedTwice", "wrongCommission")


async def exercise(stack: RekomiStack, rate: float, spacing: float) -> tuple[Run, float]:
    sellers = [seller(stack) for _ in range(3)]
    run = Run()
    started = time.monotonic()
    seconds = spacing * 7 + 5  # six faults, then a quiet stretch to recover in
    await asyncio.gather(load(stack.base_url, sellers, rate, seconds, run),
                         faults(stack, run, spacing))
    return run, started


def table(run: Run, started: float, result: dict[str, Any]) -> str:
    lines = ["fault                  at (s)   200 again after (s)   ready after (s)"]
    for fault in run.faults:
        again = f"{fault.recovered_at - fault.at:.2f}" if fault.recovered_at else "never"
        ready = f"{fault.ready_at - fault.at:.2f}" if fault.ready_at else "-"
        lines.append(f"{fault.name:<22} {fault.at - started:6.1f}   {again:>19}   {ready:>15}")
    lines.append("")
    for key, value in result.items():
        lines.append(f"{key:<20} {value}")
    return "\n".join(lines)


def lost(result: dict[str, Any]) -> bool:
    return (any(result[k] for k in LOSSES) or any(result["outboxLeft"].values())
            or result["deadLettered"] > 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.chaos", description=__doc__)
    parser.add_argument("--rate", type=float, default=200.0, help="signed sales per second")
    parser.add_argument("--spacing", type=float, default=10.0, help="seconds between faults")
    args = parser.parse_args(argv)
    stack = RekomiStack(gateway_port=GATEWAY_PORT, ops_base_port=OPS_BASE_PORT,
                        overrides=OVERRIDES)
    stack.start()
    try:
        run, started = asyncio.run(exercise(stack, args.rate, args.spacing))
        result = asyncio.run(books(OVERRIDES["REKOMI_DATABASE_URL"], run, drain_seconds=60))
    finally:
        stack.stop()
    print(table(run, started, result))
    if lost(result):
        print("chaos: LOSS", file=sys.stderr)
        return 1
    print("chaos: nothing lost")
    return 0


if __name__ == "__main__":
    sys.exit(main())
