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
    retry_unanswered,
)

# The load goes on this long after the last fault, so its recovery is measured too.
AFTER_LAST_FAULT_SECONDS = 10.0
LOSSES = ("answeredNotBooked", "bookedTwice", "wrongCommission", "retryNot200")


async def exercise(stack: RekomiStack, rate: float, spacing: float
                   ) -> tuple[Run, float, Run]:
    sellers = [stack.seller("Chaos") for _ in range(3)]
    run, done = Run(), asyncio.Event()
    started = time.monotonic()
    selling = asyncio.create_task(load(stack.base_url, sellers, rate, done, run))
    await faults(stack, run, spacing)
    await asyncio.sleep(AFTER_LAST_FAULT_SECONDS)
    done.set()
    await selling
    return run, started, await retry_unanswered(stack.base_url, sellers, run)


def table(run: Run, started: float, result: dict[str, Any]) -> str:
    lines = ["fault                  at (s)   back after (s)   a sale answered 200 after (s)"]
    for fault in run.faults:
        back = f"{fault.back_at - fault.at:.2f}" if fault.back_at else "never"
        ok = f"{fault.first_ok - fault.at:.2f}" if fault.first_ok else "never"
        lines.append(f"{fault.name:<22} {fault.at - started:6.1f}   {back:>14}   {ok:>29}")
    lines.append("(back: the killed service ready again, or the restarted server started; the sale "
                 "counted is the first sent after the kill, or after the restart)")
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
        run, started, retried = asyncio.run(exercise(stack, args.rate, args.spacing))
        result = asyncio.run(books(OVERRIDES["REKOMI_DATABASE_URL"], run, retried,
                                   drain_seconds=60))
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
