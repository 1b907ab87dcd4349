"""Scenario ``stripe_ingest``: signed Stripe ``invoice.paid`` events accepted per second at an
org's Stripe endpoint (gateway: public route, raw body -> RabbitMQ RPC -> tracking: the
connection's sealed secret, the official ``stripe`` verifier, the event stored once with its
outbox event in one transaction -> reply), beside the signed S2S sales the same stack accepts
per second in the same run (``s2s_ingest``'s load, at the same org).

Both windows are measured alike: the same open-loop load generators (``bench.offered_load``)
offer ``--rate`` requests a second (3,000) for ``--duration`` seconds (10) from the same
connection cap, each after a warm-up of its path, WAL priming and a checkpoint; the Stripe
window starts once the ledger has booked the S2S window's sales, so that it does not share the
cores with their backlog. Every answer must be 2xx (for Stripe: the event is durably stored);
any other answer, and every request not answered, is reported as a failure. Afterwards
``provider_events`` must hold exactly the events sent.

The rate of a window is what tracking stored (its ``s2s_events`` and ``provider_events`` rows,
the durable side of a 2xx) per second from the first row to the last. Offered at a rate the path
sustains, that is the offered rate; past it, the stored rows stretch beyond the window while
the load generator still collects answers (5 s), and answers per second of the window would
overstate what the path carries. Answered 2xx per second of the window (``s2s_ingest``'s
figure) is shown beside it, as is the stack CPU each stored request costs, which compares the
two paths whatever the offered rate.

Target (from issue 23): Stripe events/s accepted >= 0.8 x the same run's S2S rate.
"""

from __future__ import annotations

import asyncio
import time
import urllib.parse
import uuid
from dataclasses import dataclass
from typing import Any

from bench.common import BenchOptions, db_value, settled_count
from bench.observe import RunObserver
from bench.offered_load import Answered, Generator, offer, ready_window
from bench.offered_load import observer as observer_of
from bench.report import Target, cpu_table, profile_lines, write_json
from bench.s2s_ingest import DSN, WAL_BYTES_PER_SALE, _stack_micros_per_sale, drain, s2s_generator
from bench.stack import Org, RekomiStack, Seller, bench_stack

NAME = "stripe_ingest"
RATIO_TARGET = 0.8
# Stripe posts every org's events from a few addresses, and the public routes are limited per
# client address; the bench's load comes from one.
OVERRIDES = {"REKOMI_ANONYMOUS_RATE_LIMIT_PER_MINUTE": "1000000000"}
# WAL an event writes (its 1.8 KB jsonb row, key and outbox event; the report's figure over a
# window: 2.5-3 KB), rounded up: the window gets this much WAL ready beforehand
# (``bench.wal_primer``).
WAL_BYTES_PER_EVENT = 3500
# Building and signing an event took about 9 us; twice that, so that a busy machine's load
# generators are still ready when the window opens.
STRIPE_SIGN_SECONDS = 20e-6


@dataclass(frozen=True, slots=True)
class Intake:
    """One of the two measured paths: its load, and where tracking keeps what it accepted
    (``rows``: those of a tag, ``$2``, the warm-up's or the window's; ``stamp``: when each
    was taken)."""

    label: str
    unit: str
    generator: Generator
    rows: str
    stamp: str
    wal_per_item: int

    def stored(self, org_id: str, tag: str = "run") -> int:
        """Once the count stops moving: a request the load generator gave up on may still be
        on its way through the bus."""
        return settled_count(DSN, f"SELECT count(*) FROM {self.rows}", uuid.UUID(org_id), tag)

    def stored_per_second(self, org_id: str) -> float:
        """The rows over the time from the first to the last one taken."""
        return float(asyncio.run(db_value(
            DSN, f"SELECT coalesce(count(*) / nullif(extract(epoch FROM max({self.stamp}) - "
            f"min({self.stamp})), 0), 0) FROM {self.rows}", uuid.UUID(org_id), "run")))


@dataclass(frozen=True, slots=True)
class Window:
    intake: Intake
    result: dict[str, Any]
    answered: Answered
    observer: RunObserver
    wal_bytes: int
    stored: int
    stored_per_second: float

    @property
    def micros(self) -> float | None:
        """Stack CPU per accepted request (every group but the load generators)."""
        cpu = self.observer.cpu
        return _stack_micros_per_sale(cpu, self.stored_per_second) if cpu else None

    def to_dict(self, opts: BenchOptions) -> dict[str, Any]:
        accepted = self.result["ok"]
        return {"offeredPerSecond": opts.rate, "offered": self.result["due"],
                "answered2xx": accepted,
                "answered2xxPerWindowSecond": round(self.answered.per_second, 1),
                "stored": self.stored, "storedPerSecond": round(self.stored_per_second, 1),
                "p50Ms": self.answered.p50_ms, "p99Ms": self.answered.p99_ms,
                "non2xx": self.result["non2xx"], "statuses": self.result["statuses"],
                "errors": self.result["errors"], "secondP99Ms": self.result["secondP99Ms"],
                "walBytesPerStored": round(self.wal_bytes / self.stored) if self.stored else None,
                "stackCpuMicrosPerStored": round(m) if (m := self.micros) else None,
                "cpu": self.observer.cpu.to_dict() if self.observer.cpu else None}


def _connect_stripe(stack: RekomiStack, org: Org) -> tuple[str, str]:
    """The org connects Stripe as a brand does; its endpoint's URL (on the bench's gateway)
    and the webhook secret."""
    secret = f"whsec_bench{uuid.uuid4().hex}"
    body = stack.request("PUT", "/api/v1/integrations/stripe", org,
                         {"webhookSecret": secret, "restrictedApiKey": None})
    return stack.base_url + urllib.parse.urlsplit(body["webhookUrl"]).path, secret


async def _wal_lsn() -> int:
    return int(await db_value(DSN, "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn"))


def _intakes(stack: RekomiStack, seller: Seller) -> tuple[Intake, Intake]:
    """The seller's S2S sales and, once it has connected Stripe, its Stripe events."""
    sales = Intake("s2s", "signed sales", s2s_generator(stack, seller),
                   "tracking.s2s_events WHERE org_id = $1 "
                   "AND external_event_id LIKE $2::text || '%'",
                   "accepted_at", WAL_BYTES_PER_SALE)
    events = Intake("stripe", "invoice.paid events",
                    Generator("bench.stripe_loadgen", _connect_stripe(stack, seller.org),
                              sign_seconds=STRIPE_SIGN_SECONDS),
                    "tracking.provider_events WHERE org_id = $1 AND provider = 'stripe' "
                    "AND event_id LIKE 'evt_' || $2::text || '%'",
                    "received_at", WAL_BYTES_PER_EVENT)
    return sales, events


def _window(stack: RekomiStack, opts: BenchOptions, intake: Intake, org_id: str) -> Window:
    print(f"  {intake.label}: {opts.rate:.0f}/s for {opts.duration} s ...", flush=True)
    if opts.warmup:
        offer(NAME, intake.generator, opts, opts.warmup, "warm", DSN)
        intake.stored(org_id, "warm")  # a backlog the warm-up left is through before the window
    ready_window(DSN, int(opts.rate * opts.duration * intake.wal_per_item))
    observer = observer_of(f"{NAME}.{intake.label}", stack, opts)
    lsn = asyncio.run(_wal_lsn())
    result = offer(NAME, intake.generator, opts, opts.duration, "run", DSN, observer)
    stored = intake.stored(org_id)
    wal_bytes = asyncio.run(_wal_lsn()) - lsn
    return Window(intake, result, Answered.of(result, opts.duration), observer, wal_bytes,
                  stored, intake.stored_per_second(org_id))


def run(opts: BenchOptions) -> int:
    print(f"== {NAME}: signed Stripe invoice.paid events beside signed S2S sales, "
          f"{opts.rate:.0f}/s offered for {opts.duration} s each", flush=True)
    with bench_stack(opts, OVERRIDES) as stack:
        windows = _measure(opts, stack)
    return _report(opts, *windows)


def _measure(opts: BenchOptions, stack: RekomiStack) -> tuple[Window, Window]:
    """The S2S window, then (its sales booked) the Stripe window, at one seller."""
    seller = stack.seller("Bench Stripe")
    org_id = seller.org.org_id
    sales, events = _intakes(stack, seller)
    s2s = _window(stack, opts, sales, org_id)
    _, drain_s, booked = drain(org_id, s2s.stored)
    print(f"  the ledger booked {booked} of the S2S window's {s2s.stored} sales "
          f"({drain_s:.1f} s after tracking had stored them)", flush=True)
    stripe = _window(stack, opts, events, org_id)
    _report_booking(org_id)
    return s2s, stripe


def _report_booking(org_id: str, limit_s: float = 300.0) -> None:
    """Tracking books the stored events (the warm-up's too) behind the bus, one burst at a
    time: how far it had got when the window closed, and how long the rest took."""
    def count(processed: bool) -> int:
        found: int = asyncio.run(db_value(
            DSN, "SELECT count(*) FROM tracking.provider_events WHERE org_id = $1"
            + (" AND processed_at IS NOT NULL" if processed else ""), uuid.UUID(org_id)))
        return found

    stored = count(False)
    at_close, started = count(True), time.monotonic()
    done = at_close
    while done < stored and time.monotonic() - started < limit_s:
        time.sleep(0.5)
        done = count(True)
    took = time.monotonic() - started
    rate = (done - at_close) / took if took > 0 else 0.0
    print(f"  tracking had processed {at_close} of the {stored} stored events when the window "
          f"closed, and {done} {took:.1f} s later ({rate:.0f} events/s meanwhile)", flush=True)


def _window_lines(window: Window, opts: BenchOptions) -> None:
    label = window.intake.label
    print(window.answered.line(label, window.result, opts.rate, window.intake.unit))
    print(f"  {label}: stored {window.stored} = {window.stored_per_second:.0f}/s from the first "
          f"to the last; WAL per stored request {window.wal_bytes / max(1, window.stored):.0f} B")
    if window.observer.cpu is not None:
        print(cpu_table(f"{label} CPU (% of one core)", window.observer.cpu))
        print(f"  {label}: stack CPU per stored request {window.micros:.0f} us")
    for summary in (window.observer.profiler.summaries if window.observer.profiler else []):
        print(profile_lines(summary))


def _report(opts: BenchOptions, s2s: Window, stripe: Window) -> int:
    ratio = (stripe.stored_per_second / s2s.stored_per_second
             if s2s.stored_per_second else 0.0)
    answered_ratio = (stripe.answered.per_second / s2s.answered.per_second
                      if s2s.answered.per_second else 0.0)
    sent = stripe.result["due"]
    print(f"\n== {NAME} results ({opts.rate:.0f}/s offered, {opts.duration} s measured each)")
    for window in (s2s, stripe):
        _window_lines(window, opts)
    print(f"  provider_events after the Stripe window: {stripe.stored} stored of {sent} sent "
          f"and {stripe.result['ok']} answered 2xx: {_durability(stripe)}")
    if s2s.micros and stripe.micros:
        print(f"  at those costs the cores carry {s2s.micros / stripe.micros:.2f} x as many "
              "Stripe events as S2S sales")
    print(f"  stripe/s2s answered 2xx per second of the window: {answered_ratio:.3f}")
    target = Target("stripe/s2s stored per second", ratio, RATIO_TARGET, "x", at_least=True)
    print(target.line())
    failures = [f"{w.intake.label}: {w.result['non2xx']} non-2xx, errors {w.result['errors']}"
                for w in (s2s, stripe)
                if w.result["non2xx"] or sum(w.result["errors"].values())]
    data = {"endpoint": "POST /api/integrations/stripe/{orgHandle}",
            "durationSeconds": opts.duration, "s2s": s2s.to_dict(opts),
            "stripe": stripe.to_dict(opts), "sentEvents": sent, "ratio": round(ratio, 4),
            "answeredRatio": round(answered_ratio, 4), "targets": [target.to_dict()],
            "failures": failures or None}
    print(f"\nwrote {write_json(NAME, data)}")
    if failures:
        print("FAILURES: " + "; ".join(failures))
    unusable = [w.intake.label for w in (s2s, stripe) if w.result["non2xx"] or not w.result["ok"]
                or set(w.result["errors"]) - {"timeout"}]
    return 2 if unusable or not _durable(stripe) else 0


def _durable(window: Window) -> bool:
    """Every 2xx has its row, and no row came from nowhere (or twice)."""
    return bool(window.result["ok"] <= window.stored <= window.result["due"])


def _durability(window: Window) -> str:
    sent = window.result["due"]
    if window.stored == sent:
        return "match"
    if _durable(window):
        return (f"{sent - window.stored} never stored, all among those the load generator "
                "gave up on")
    return "MISMATCH"
