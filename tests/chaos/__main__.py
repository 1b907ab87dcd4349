"""``python -m tests.chaos [--short] [--rate N] [--spacing S]`` (``make chaos``): run the fault
harness against servers of its own, print its table and exit 1 on any loss. ``--short`` is the
form ``make test`` runs beside the suite: the same faults, closer together, at half the rate."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import Any

from bench.common import RESULTS_DIR
from bench.stack import RekomiStack
from tests.chaos.harness import (
    AMQP_PORT,
    DATABASE,
    GATEWAY_PORT,
    OPS_BASE_PORT,
    PG_PORT,
    Run,
    books,
    connect,
    faults,
    load,
    retry_unanswered,
    stack_env,
)
from tests.chaos.payouts import Payouts, pay_everything, payout_books, payout_loop
from tests.chaos.servers import PrivateServers

LOSSES = ("answeredNotBooked", "bookedTwice", "wrongCommission", "retryNot200",
          "paidTwice", "notPaid", "paidNotBooked", "linesNotCommissions")


async def exercise(stack: RekomiStack, servers: PrivateServers, args: argparse.Namespace
                   ) -> tuple[Run, float, Run, dict[str, Any]]:
    sellers = [stack.seller("Chaos") for _ in range(3)]
    run, done, paying = Run(), asyncio.Event(), Payouts()
    started = time.monotonic()
    selling = asyncio.create_task(load(stack.base_url, sellers, args.rate, done, run))
    payouts = asyncio.create_task(payout_loop(stack.base_url, servers.dsn, sellers, done,
                                              paying))
    await faults(stack, servers, run, args.spacing, args.down)
    # The load goes on after the last fault, so its recovery is measured too.
    await asyncio.sleep(args.spacing)
    done.set()
    await asyncio.gather(selling, payouts)
    retried = await retry_unanswered(stack.base_url, sellers, run)
    result = await books(servers, run, retried, drain_seconds=60)
    conn = await connect(servers.dsn)
    try:
        await pay_everything(stack.base_url, servers.dsn, sellers, paying, conn, 60)
        result.update(await payout_books(conn, paying))
    finally:
        await conn.close()
    return run, started, retried, result


def table(run: Run, started: float, result: dict[str, Any]) -> str:
    lines = ["fault                  at (s)   back after (s)   first 200 after (s)   "
             "first 200 after back (s)"]
    for fault in run.faults:
        back = f"{fault.back_at - fault.at:.2f}" if fault.back_at else "never"
        ok = f"{fault.first_ok - fault.at:.2f}" if fault.first_ok else "never"
        after_back = (f"{fault.first_ok - fault.back_at:.2f}"
                      if fault.restart and fault.first_ok and fault.back_at else "-")
        lines.append(f"{fault.name:<22} {fault.at - started:6.1f}   {back:>14}   {ok:>19}   "
                     f"{after_back:>24}")
    lines.append("(back: the killed service ready again, or the restarted server's start command "
                 "returned; the sale counted is the first sent after the kill, or after the "
                 "restart)")
    lines.append("")
    for key, value in result.items():
        lines.append(f"{key:<20} {value}")
    return "\n".join(lines)


def lost(result: dict[str, Any]) -> bool:
    return (any(result[k] for k in LOSSES) or any(result["outboxLeft"].values())
            or result["deadLettered"] > 0 or result["payouts"] == 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.chaos", description=__doc__)
    parser.add_argument("--short", action="store_true",
                        help="100 sales/s, faults 4 s apart, servers down 1 s")
    parser.add_argument("--rate", type=float, help="signed sales per second (200)")
    parser.add_argument("--spacing", type=float, help="seconds between faults (10)")
    parser.add_argument("--down", type=float, help="seconds a restarted server is down (3)")
    args = parser.parse_args(argv)
    for name, full, short in (("rate", 200.0, 100.0), ("spacing", 10.0, 4.0),
                              ("down", 3.0, 1.0)):
        if getattr(args, name) is None:
            setattr(args, name, short if args.short else full)
    servers = PrivateServers(PG_PORT, AMQP_PORT, DATABASE)
    try:
        servers.create()
        stack = RekomiStack(gateway_port=GATEWAY_PORT, ops_base_port=OPS_BASE_PORT,
                            overrides=stack_env(servers), shared_servers=False,
                            log_path=RESULTS_DIR / "chaos-stack.log")
        stack.start()
        try:
            run, started, _retried, result = asyncio.run(exercise(stack, servers, args))
        finally:
            stack.stop()
    finally:
        servers.destroy()
    print(table(run, started, result))
    if lost(result):
        print("chaos: LOSS", file=sys.stderr)
        return 1
    print("chaos: nothing lost")
    return 0


if __name__ == "__main__":
    sys.exit(main())
