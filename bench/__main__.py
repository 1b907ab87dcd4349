"""``python -m bench [scenario|all]`` (``make bench``): run benchmark scenarios, print a table
and write ``bench/results/<scenario>.json``.

Exit status: 0 when the bench ran (a missed target is reported, not an error); 1 when it could
not run; 2 when it ran but the numbers are unusable (non-2xx responses, socket errors);
130 when interrupted. Every process it started is stopped on the way out.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable
from types import FrameType

from bench import (
    affiliates_import,
    clicks_ingest,
    dashboard_read,
    mechanisms,
    payouts_run,
    programs_get,
    s2s_ingest,
    stripe_ingest,
    webhooks_deliveries,
)
from bench.common import (
    DEFAULT_GATEWAY_PORT,
    DEFAULT_OPS_BASE_PORT,
    BenchError,
    BenchOptions,
    Tool,
)

Scenario = Callable[[BenchOptions], int]
SCENARIOS: dict[str, Scenario] = {
    programs_get.NAME: programs_get.run,
    affiliates_import.NAME: affiliates_import.run,
    webhooks_deliveries.NAME: webhooks_deliveries.run,
    clicks_ingest.NAME: clicks_ingest.run,
    s2s_ingest.NAME: s2s_ingest.run,
    stripe_ingest.NAME: stripe_ingest.run,
    mechanisms.NAME: mechanisms.run,
    payouts_run.NAME: payouts_run.run,
    dashboard_read.NAME: dashboard_read.run,
}
DEFAULT = "all"  # `make bench` runs every scenario
DEFAULT_DURATION = 10
# The S2S target is "3,000 signed events/s sustained for 60 s": measured over that long unless
# --duration says otherwise.
S2S_SUSTAINED_SECONDS = 60
PROFILABLE = ("gateway", "tracking", "ledger", "payouts", "webhooks")


def _profile_list(text: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in PROFILABLE]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown service(s) {unknown}; one of {PROFILABLE}")
    return names


def parse_args(argv: list[str] | None) -> tuple[list[str], BenchOptions]:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", nargs="?", default=DEFAULT, choices=[*SCENARIOS, "all"])
    parser.add_argument("--duration", type=int, default=None,
                        help="measured seconds (10; s2s_ingest: 60, the issue's sustained "
                             "window)")
    parser.add_argument("--warmup", type=int, default=3, help="warm-up seconds (3)")
    parser.add_argument("--connections", type=int, default=32, help="connections (32)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (1)")
    parser.add_argument("--rate", type=float, default=3000.0,
                        help="s2s_ingest, stripe_ingest: signed requests offered per second "
                             "(3000)")
    parser.add_argument("--timeout", type=float, default=5.0, help="request timeout, s (5)")
    parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto",
                        help="load generator: wrk (installed if missing), else Python")
    parser.add_argument("--gateway-port", type=int, default=DEFAULT_GATEWAY_PORT,
                        help=f"the bench stack's gateway port ({DEFAULT_GATEWAY_PORT})")
    parser.add_argument("--ops-base-port", type=int, default=DEFAULT_OPS_BASE_PORT,
                        help=f"the bench stack's REKOMI_OPS_BASE_PORT ({DEFAULT_OPS_BASE_PORT})")
    parser.add_argument("--profile", type=_profile_list, default=(), metavar="SVC[,SVC]",
                        help="py-spy record these stack services during the measured run")
    parser.add_argument("--reseed", action="store_true",
                        help="dashboard_read: seed its data set again (else a stored one is "
                             "reused)")
    parser.add_argument("--concurrent", type=int, default=0, metavar="N",
                        help="dashboard_read: also N concurrent callers for --duration s (0)")
    args = parser.parse_args(argv)
    s2s_duration = args.duration or S2S_SUSTAINED_SECONDS
    args.duration = args.duration or DEFAULT_DURATION
    if args.duration < 1 or args.warmup < 0 or args.connections < 1 or args.threads < 1 \
            or args.rate <= 0 or args.concurrent < 0:
        parser.error("--duration and --connections and --threads must be >= 1, --warmup >= 0,"
                     " --rate > 0, --concurrent >= 0")
    tool: Tool = args.tool
    opts = BenchOptions(duration=args.duration, warmup=args.warmup, connections=args.connections,
                        threads=args.threads, tool=tool, timeout=args.timeout,
                        gateway_port=args.gateway_port, ops_base_port=args.ops_base_port,
                        profile=args.profile, rate=args.rate, s2s_duration=s2s_duration,
                        reseed=args.reseed, concurrent=args.concurrent)
    names = list(SCENARIOS) if args.scenario == "all" else [args.scenario]
    return names, opts


def _terminate(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    names, opts = parse_args(argv)
    # Cleanup runs on SIGTERM as on Ctrl-C (even when started with SIGINT ignored, e.g. `cmd &`).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _terminate)
    code = 0
    try:
        for name in names:
            code = max(code, SCENARIOS[name](opts))
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted; everything the bench started has been stopped", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
