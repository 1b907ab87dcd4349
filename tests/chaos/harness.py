"""The fault harness (``make chaos``): signed S2S sales from several orgs at a steady rate while
tracking, the ledger, the webhooks service and the gateway are SIGKILLed in turn and RabbitMQ and
PostgreSQL are restarted once each; then the books are checked from the database.

Losses it looks for (each must be 0): a sale answered 200 that the ledger did not book, a sale
booked twice, a commission that differs from the program's rule, events left in an outbox or a
dead-letter queue. Per fault it reports how long until a sale was answered 200 again (and the
killed service's /readyz said ready). The RabbitMQ and PostgreSQL it restarts are its own
(``servers.py``), so it can run beside anything else on the machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import subprocess
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import aiohttp
import asyncpg

from bench.stack import SELLER_PERCENT, RekomiStack, Seller
from services.gateway.domain import signatures
from services.ledger.conversions.domain.commissions import Terms, sale_commission
from tests.chaos.servers import PrivateRabbit, PrivateServers

GATEWAY_PORT, OPS_BASE_PORT = 28680, 28700
PG_PORT, AMQP_PORT = 28632, 28672
DATABASE = "rekomi_chaos"
SCHEMAS = ("gateway", "tracking", "ledger", "payouts", "webhooks")


@dataclass
class Outcome:
    org_id: str
    event_id: str
    amount: int
    status: int
    conversion_id: str | None
    sent_at: float
    answered_at: float


@dataclass
class Fault:
    """``at``: when it was injected; ``back_at``: when the killed service was ready again, or
    the restarted server was started; ``first_ok``: the first sale sent after ``at`` (a kill)
    or after ``back_at`` (a restart) that was answered 200."""

    name: str
    at: float
    back_at: float | None = None
    first_ok: float | None = None
    restart: bool = False

    @property
    def since(self) -> float | None:
        return self.back_at if self.restart else self.at


@dataclass
class Run:
    outcomes: list[Outcome] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)


# ---- load -----------------------------------------------------------------------------------
async def sell(session: aiohttp.ClientSession, url: str, who: Seller, run: Run,
               event_id: str | None = None, amount: int | None = None) -> Outcome:
    """One signed sale (a fresh one, or a retry of ``event_id``), recorded in ``run``."""
    event_id = event_id or uuid.uuid4().hex
    amount = amount or random.randint(100, 500_000)
    sent_at = time.monotonic()
    body = json.dumps({"externalEventId": event_id, "amountCents": amount, "currency": "USD",
                       "affiliateSlug": who.slug}).encode()
    headers = {**who.org.auth, "Content-Type": "application/json",
               signatures.HEADER: signatures.header_value(who.secret, int(time.time()), body)}
    status, conversion = 0, None
    try:
        async with session.post(url, data=body, headers=headers) as response:
            status = response.status
            if status == 200:
                conversion = (await response.json()).get("conversionId")
    except (TimeoutError, aiohttp.ClientError):
        status = 0
    outcome = Outcome(who.org.org_id, event_id, amount, status, conversion, sent_at,
                      time.monotonic())
    run.outcomes.append(outcome)
    if status == 200:
        for fault in run.faults:
            since = fault.since
            if fault.first_ok is None and since is not None and sent_at >= since:
                fault.first_ok = outcome.answered_at
    return outcome


async def retry_unanswered(base_url: str, sellers: list[Seller], run: Run) -> Run:
    """Send every sale that was not answered 200 again, as a brand's retry would: the same
    ``externalEventId`` must now answer 200 with one conversion id, booked or not before."""
    by_org = {s.org.org_id: s for s in sellers}
    retried = Run()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        await asyncio.gather(*(
            sell(session, f"{base_url}/api/tracking/s2s", by_org[o.org_id], retried,
                 o.event_id, o.amount) for o in run.outcomes if o.status != 200))
    return retried


async def load(base_url: str, sellers: list[Seller], rate: float, done: asyncio.Event,
               run: Run) -> None:
    """Sales at ``rate`` per second, round-robin over the sellers, until ``done`` is set."""
    url = f"{base_url}/api/tracking/s2s"
    timeout = aiohttp.ClientTimeout(total=5)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        started, tasks, n = time.monotonic(), set(), 0
        while not done.is_set():
            while n < (time.monotonic() - started) * rate:
                task = asyncio.create_task(sell(session, url, sellers[n % len(sellers)], run))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                n += 1
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(done.wait(), 0.005)
        await asyncio.gather(*tasks)


# ---- faults ---------------------------------------------------------------------------------
async def kill(stack: RekomiStack, service: str, run: Run) -> None:
    pid = stack.service_pids()[service]
    run.faults.append(fault := Fault(f"SIGKILL {service}", time.monotonic()))
    subprocess.run(["kill", "-9", str(pid)], check=True)
    # Only its successor can answer: the killed process's port closed with it.
    fault.back_at = await wait_ready(f"http://127.0.0.1:{stack.ports()[service]}/readyz")


async def restart(name: str, stop: list[str], start: list[str], run: Run,
                  down_seconds: float, env: dict[str, str] | None = None) -> None:
    run.faults.append(fault := Fault(f"restart {name}", time.monotonic(), restart=True))
    # From /tmp: the servers' own users may not be able to read the current directory.
    await asyncio.to_thread(subprocess.run, stop, check=True, capture_output=True, env=env,
                            cwd="/tmp")
    await asyncio.sleep(down_seconds)
    await asyncio.to_thread(subprocess.run, start, check=True, capture_output=True, env=env,
                            cwd="/tmp")
    fault.back_at = time.monotonic()


async def wait_ready(url: str, timeout: float = 60.0) -> float | None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=1)) as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return time.monotonic()
            except (TimeoutError, aiohttp.ClientError):
                pass
            await asyncio.sleep(0.1)
    return None


def stack_env(servers: PrivateServers) -> dict[str, str]:
    return {"REKOMI_DATABASE_URL": servers.dsn, "REKOMI_AMQP_URL": servers.rabbit.url,
            "REKOMI_NAMESPACE": "rekomichaos", "REKOMI_REDIS_URL": "redis://127.0.0.1:6379/3",
            # a payout run left half-written by a fault is finished or released within
            # seconds, not minutes, so the books can be read at the end
            "REKOMI_PAYOUTS_STALE_RUN_SECONDS": "10",
            "REKOMI_PAYOUTS_RECOVERY_INTERVAL_SECONDS": "2"}


async def faults(stack: RekomiStack, servers: PrivateServers, run: Run, spacing: float,
                 down_seconds: float) -> None:
    rabbit, postgres = servers.rabbit, servers.postgres
    steps: list[Callable[[], Awaitable[None]]] = [
        lambda: kill(stack, "tracking", run), lambda: kill(stack, "ledger", run),
        lambda: kill(stack, "webhooks", run), lambda: kill(stack, "gateway", run),
        lambda: kill(stack, "payouts", run),
        lambda: restart("RabbitMQ", rabbit.ctl("stop_app"), rabbit.ctl("start_app"), run,
                        down_seconds, rabbit.env),
        lambda: restart("PostgreSQL", postgres.stop_command(), postgres.start_command(), run,
                        down_seconds)]
    for step in steps:
        await asyncio.sleep(spacing)
        await step()


# ---- the books ------------------------------------------------------------------------------
async def books(servers: PrivateServers, run: Run, retried: Run, drain_seconds: float
                ) -> dict[str, Any]:
    answered = {o.conversion_id: o for o in [*run.outcomes, *retried.outcomes]
                if o.status == 200 and o.conversion_id}
    conn = await connect(servers.dsn)
    try:
        deadline = time.monotonic() + drain_seconds
        while True:  # until every answered sale is booked and every outbox relayed
            booked = await conn.fetch(
                "SELECT id::text, org_id::text, external_event_id, amount_cents, "
                "commission_cents FROM ledger.conversions WHERE type = 'OneTime'")
            outboxes = {schema: await conn.fetchval(f"SELECT count(*) FROM {schema}.outbox")
                        for schema in SCHEMAS}
            settled = (set(answered) <= {r["id"] for r in booked}
                       and not any(outboxes.values()))
            if settled or time.monotonic() > deadline:
                break
            await asyncio.sleep(1.0)
        twice = await conn.fetchval(
            "SELECT count(*) FROM (SELECT org_id, external_event_id FROM ledger.conversions "
            "WHERE external_event_id IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1) t")
    finally:
        await conn.close()
    terms = Terms("Percentage", Decimal(SELLER_PERCENT), "Cps")
    wrong = [r for r in booked
             if r["commission_cents"] != sale_commission(terms, r["amount_cents"], "USD")]
    sales = len(run.outcomes)
    first_ok = sum(o.status == 200 for o in run.outcomes)
    return {"sales": sales, "answered200": first_ok, "retried": len(retried.outcomes),
            "retryNot200": sum(o.status != 200 for o in retried.outcomes),
            "booked": len(booked),
            "answeredNotBooked": len(set(answered) - {r["id"] for r in booked}),
            "bookedTwice": twice, "wrongCommission": len(wrong), "outboxLeft": outboxes,
            "deadLettered": dead_lettered(servers.rabbit)}


async def connect(dsn: str, seconds: float = 60.0) -> asyncpg.Connection:
    deadline = time.monotonic() + seconds
    while True:
        try:
            return await asyncpg.connect(dsn)
        except (OSError, asyncpg.PostgresError):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


def dead_lettered(rabbit: PrivateRabbit) -> int:
    out = rabbit.run_ctl("-q", "list_queues", "name", "messages")
    rows = [line.split() for line in out.splitlines() if line.strip()]
    return sum(int(r[1]) for r in rows if len(r) == 2 and r[0].endswith(".dlq")
               and r[1].isdigit())
