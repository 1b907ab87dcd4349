"""The webhooks service against the real PostgreSQL and RabbitMQ: idempotent fan-out under
redelivery, two dispatchers sharing the work, a dispatcher killed between send and record,
connect-time address checks (DNS rebinding) and the 5-day disable rule.

Run as a module (``python -m tests.integration.test_webhooks_dispatch``) it is the dispatcher
that dies right after sending: see ``_die_after_send``."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from libs.contracts.events import DomainEvent
from libs.contracts.webhooks import WebhookCreate
from libs.shared.bus import Bus, Delivery
from libs.shared.db import create_pool
from libs.shared.settings import Settings
from services.webhooks.adapters.claims import Claimed
from services.webhooks.adapters.endpoints_repository import EndpointsRepository
from services.webhooks.adapters.safe_resolver import SafeResolver, UrlPolicy
from services.webhooks.adapters.sender import Request, Sender
from services.webhooks.domain import endpoints as domain
from services.webhooks.domain.deliveries import Outcome
from services.webhooks.domain.errors import UrlRefused
from services.webhooks.entrypoints.dispatcher import DispatchConfig, Dispatcher
from services.webhooks.entrypoints.recorder import BatchRecorder
from services.webhooks.service_layer.deliveries import fan_out, fan_out_many
from services.webhooks.service_layer.dispatch import Attempt, record_attempt, record_attempts
from tests.common.waiting import eventually
from tests.common.webhooks_receiver import receiver

ROOT = Path(__file__).resolve().parents[2]
FAST = DispatchConfig(concurrency=32, per_endpoint=8, timeout=1.0, poll_seconds=0.05)


@pytest.fixture
async def pool(settings: Settings, migrated: None) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(settings.database_url, "webhooks", max_size=20)
    yield pool
    await pool.close()


@pytest.fixture
async def quiet(pool: asyncpg.Pool) -> None:
    """No open deliveries left by earlier tests or runs for the dispatchers here to pick up."""
    async with pool.acquire() as conn:
        await conn.execute("UPDATE deliveries SET status = 'Failed', next_attempt_at = NULL "
                           "WHERE status IN ('Pending', 'Retrying')")


def _sender(**kwargs: Any) -> Sender:
    return Sender(allow_loopback=True, timeout=1.0, body_limit=1024, connections=32, **kwargs)


async def _endpoint(pool: asyncpg.Pool, url: str, org_id: uuid.UUID | None = None,
                    **changes: Any) -> domain.Endpoint:
    endpoint = domain.new_endpoint(org_id or uuid.uuid4(), WebhookCreate(url=url, events=["*"]),
                                   endpoint_id=uuid.uuid4(), now=datetime.now(UTC))
    endpoint = dataclasses.replace(endpoint, **changes)
    async with pool.acquire() as conn:
        await EndpointsRepository(conn).add(endpoint)
    return endpoint


def _event(org_id: uuid.UUID, n: int = 0) -> DomainEvent:
    return DomainEvent(id=uuid.uuid4(), type="affiliate.created", org_id=org_id,
                       created_at=datetime.now(UTC), data={"n": n})


async def _statuses(pool: asyncpg.Pool, org_id: uuid.UUID) -> list[str]:
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT status FROM deliveries WHERE org_id = $1", org_id)
    return [r["status"] for r in rows]


async def _all_succeeded(pool: asyncpg.Pool, org_id: uuid.UUID, count: int) -> bool | None:
    statuses = await _statuses(pool, org_id)
    return True if statuses.count("Succeeded") == count else None


async def _run(dispatchers: list[Dispatcher]) -> list[asyncio.Task[None]]:
    return [asyncio.ensure_future(d.run()) for d in dispatchers]


async def _stop(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


# ---- fan-out ---------------------------------------------------------------------------------
async def test_a_burst_fans_out_in_one_go(pool: asyncpg.Pool) -> None:
    """Two orgs, a repeated event and an org without endpoints in one transaction."""
    org_id, other, silent = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await _endpoint(pool, "http://127.0.0.1:9/a", org_id)
    await _endpoint(pool, "http://127.0.0.1:9/b", org_id)
    await _endpoint(pool, "http://127.0.0.1:9/c", other)
    burst = [_event(org_id, 7), _event(other, 8), _event(silent, 9)]
    assert await fan_out_many(pool, [*burst, burst[0]]) == 3
    assert await fan_out_many(pool, burst) == 0
    assert sorted(await _statuses(pool, other)) == ["Pending"]
    assert await _statuses(pool, silent) == []


async def test_redelivered_events_fan_out_once(pool: asyncpg.Pool, settings: Settings) -> None:
    org_id = uuid.uuid4()
    await _endpoint(pool, "http://127.0.0.1:9/a", org_id)
    await _endpoint(pool, "http://127.0.0.1:9/b", org_id)
    event = _event(org_id)
    assert await fan_out(pool, event) == 2
    assert await fan_out(pool, event) == 0

    namespace = f"rekomitestwh{uuid.uuid4().hex[:8]}"
    consumer = Bus(settings.amqp_url, namespace=namespace, service="webhooks")
    publisher = Bus(settings.amqp_url, namespace=namespace, service="publisher")
    await consumer.connect(wait_seconds=10)
    await publisher.connect(wait_seconds=10)
    handled: list[int] = []

    async def on_event(delivery: Delivery) -> None:
        handled.append(await fan_out(pool, DomainEvent.model_validate(delivery.body)))

    try:
        await consumer.subscribe("deliveries", ["affiliate.*"], on_event)
        second = _event(org_id, 2)
        for _ in range(3):  # the outbox relay re-sending after a crash looks like this
            await publisher.publish(second.type, second.model_dump(mode="json", by_alias=True),
                                    message_id=str(second.id))

        async def all_handled() -> bool | None:
            return True if len(handled) == 3 else None

        await eventually(all_handled, what="three deliveries of one message")
        assert handled == [2, 0, 0]
        assert len(await _statuses(pool, org_id)) == 4
    finally:
        await _delete_queues(consumer, namespace)
        await consumer.close()
        await publisher.close()


async def _delete_queues(bus: Bus, namespace: str) -> None:
    import aio_pika

    connection = await aio_pika.connect(bus.url)
    async with connection:
        channel = await connection.channel()
        for name in (f"{namespace}.webhooks.deliveries", f"{namespace}.webhooks.deliveries.dlq"):
            await channel.queue_delete(name)


# ---- dispatchers -----------------------------------------------------------------------------
class CountingSender(Sender):
    def __init__(self) -> None:
        super().__init__(allow_loopback=True, timeout=1.0, body_limit=1024, connections=32)
        self.sent = 0

    async def send(self, request: Request) -> tuple[Outcome, int]:
        self.sent += 1
        return await super().send(request)


async def test_two_dispatchers_deliver_each_delivery_once(pool: asyncpg.Pool, quiet: None,
                                                          settings: Settings) -> None:
    org_id = uuid.uuid4()
    async with receiver() as rx:
        for path in ("/a", "/b", "/c", "/d"):
            await _endpoint(pool, rx.url(path), org_id)
        for n in range(60):
            await fan_out(pool, _event(org_id, n))
        second_pool = await create_pool(settings.database_url, "webhooks", max_size=20)
        senders = [CountingSender(), CountingSender()]
        tasks = await _run([Dispatcher(pool, senders[0], FAST),
                            Dispatcher(second_pool, senders[1], FAST)])
        try:
            await eventually(lambda: _all_succeeded(pool, org_id, 240), timeout=30,
                             what="240 deliveries succeeded")
        finally:
            await _stop(tasks)
            await second_pool.close()
        ids = [r.delivery_id for r in rx.received]
        assert len(ids) == 240 and len(set(ids)) == 240
        # Exactly once between them. Which replica wins each claim is timing: with batched
        # claims one may take every wave, so participation of both is not asserted.
        assert sum(s.sent for s in senders) == 240, [s.sent for s in senders]


def _die_after_send() -> None:
    """The dispatcher process of the kill test: sends, then exits before recording."""

    class DyingSender(Sender):
        async def send(self, request: Request) -> tuple[Outcome, int]:
            result = await super().send(request)
            print(f"sent {request.delivery_id} {result[0].status_code}", flush=True)
            os._exit(1)

    async def main() -> None:
        pool = await create_pool(Settings().database_url, "webhooks")
        sender = DyingSender(allow_loopback=True, timeout=1.0, body_limit=1024, connections=4)
        await Dispatcher(pool, sender, FAST).run()

    asyncio.run(main())


async def test_dispatcher_killed_between_send_and_record(pool: asyncpg.Pool,
                                                         quiet: None) -> None:
    org_id = uuid.uuid4()
    async with receiver() as rx:
        endpoint = await _endpoint(pool, rx.url("/hook"), org_id)
        await fan_out(pool, _event(org_id))
        module = "tests.integration.test_webhooks_dispatch"
        dying = subprocess.Popen([sys.executable, "-m", module], cwd=ROOT, text=True,
                                 stdout=subprocess.PIPE, start_new_session=True)
        try:
            assert dying.stdout is not None
            line = await asyncio.wait_for(asyncio.to_thread(dying.stdout.readline), 20)
            assert line.startswith("sent ") and line.split()[2] == "200", line
            assert await asyncio.to_thread(dying.wait, 10) == 1
        finally:
            if dying.poll() is None:
                os.killpg(dying.pid, signal.SIGKILL)
                dying.wait()
            if dying.stdout is not None:
                dying.stdout.close()
        assert len(rx.at("/hook")) == 1
        tasks = await _run([Dispatcher(pool, _sender(), FAST)])
        try:
            await eventually(lambda: _all_succeeded(pool, org_id, 1), timeout=20,
                             what="the delivery re-sent after the lease expired")
        finally:
            await _stop(tasks)
        first, second = rx.at("/hook")
        assert first.delivery_id == second.delivery_id and first.body == second.body
        async with pool.acquire() as conn:
            count = await conn.fetchval("SELECT count(*) FROM deliveries WHERE endpoint_id = $1",
                                        endpoint.id)
        assert count == 1


# ---- addresses at connect time ---------------------------------------------------------------
class ScriptedResolver(AbstractResolver):
    """Answers with the given addresses in turn (a rebinding DNS server)."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        address = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return [ResolveResult(hostname=host, host=address, port=port, family=socket.AF_INET,
                              proto=0, flags=socket.AI_NUMERICHOST)]

    async def close(self) -> None:
        return None


async def test_dns_rebinding_is_refused_at_connect_time() -> None:
    async with receiver() as rx:
        policy = UrlPolicy(allow_loopback=False, resolver=ScriptedResolver("93.184.216.34"))
        url = f"https://hooks.example.com:{rx.port}/hook"
        await policy.check(url)  # a public answer when the URL is saved
        rebinding = SafeResolver(allow_loopback=False, inner=ScriptedResolver("127.0.0.1"))
        sender = Sender(allow_loopback=False, timeout=1.0, body_limit=1024, connections=4,
                        resolver=rebinding)
        try:
            outcome, _ = await sender.send(Request(url=url, body=b"{}", delivery_id="X",
                                                   event_type="webhook.test", signature="t=1"))
        finally:
            await sender.close()
        assert outcome.status_code is None and "refused" in (outcome.error or "")
        assert rx.received == []
        with pytest.raises(UrlRefused):
            await UrlPolicy(allow_loopback=False, resolver=ScriptedResolver("10.1.2.3")).check(url)
        literal = _sender()
        literal.allow_loopback = False
        outcome, _ = await literal.send(Request(url=rx.url("/hook"), body=b"{}", delivery_id="X",
                                                event_type="webhook.test", signature="t=1"))
        await literal.close()
        assert "refused" in (outcome.error or "") and rx.received == []


# ---- the 5-day rule --------------------------------------------------------------------------
async def test_five_days_of_failures_disable_the_endpoint(pool: asyncpg.Pool) -> None:
    org_id, now = uuid.uuid4(), datetime.now(UTC)
    endpoint = await _endpoint(pool, "http://127.0.0.1:9/x", org_id,
                               failing_since=now - timedelta(days=5, seconds=1))
    await fan_out(pool, _event(org_id, 1))
    await fan_out(pool, _event(org_id, 2))
    token = uuid.uuid4()
    async with pool.acquire() as conn:
        delivery_id = await conn.fetchval(
            "UPDATE deliveries SET lease_token = $2, lease_until = $3 WHERE id = (SELECT id FROM "
            "deliveries WHERE endpoint_id = $1 LIMIT 1) RETURNING id", endpoint.id, token,
            now + timedelta(minutes=1))
    claimed = Claimed(id=delivery_id, endpoint_id=endpoint.id, event_type="affiliate.created",
                      body=b"{}", url=endpoint.url, secret=endpoint.secret, previous_secret=None,
                      previous_secret_expires_at=None, token=token)
    attempt = Attempt(claimed, Outcome(503, "HTTP 503", ""), now, now, 5)
    updated = await record_attempt(pool, attempt, scale=1.0)
    assert updated is not None and updated.status.value == "Failed"
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT is_active, disabled_at, disabled_reason FROM endpoints "
                                  "WHERE id = $1", endpoint.id)
        audit = await conn.fetchval(
            "SELECT count(*) FROM outbox WHERE routing_key = 'audit.recorded' "
            "AND payload->>'action' = 'webhook.disabled' AND payload->>'entityId' = $1",
            str(endpoint.id))
    assert row is not None
    assert row["is_active"] is False and row["disabled_at"] is not None
    assert "5 days" in row["disabled_reason"] and audit == 1
    assert await _statuses(pool, org_id) == ["Failed", "Failed"]
    # the same lease cannot be recorded twice
    assert await record_attempt(pool, attempt, scale=1.0) is None


# ---- recording in batches -------------------------------------------------------------------
async def _leased(pool: asyncpg.Pool, endpoint: domain.Endpoint, count: int
                  ) -> list[Claimed]:
    """``count`` new deliveries of the endpoint, leased as a dispatcher's claim leases them."""
    for n in range(count):
        await fan_out(pool, _event(endpoint.org_id, n))
    token = uuid.uuid4()
    async with pool.acquire() as conn:
        ids = await conn.fetch(
            "UPDATE deliveries SET lease_token = $2, lease_until = $3 WHERE endpoint_id = $1 "
            "AND status IN ('Pending', 'Retrying') RETURNING id", endpoint.id, token,
            datetime.now(UTC) + timedelta(minutes=1))
    return [Claimed(id=r["id"], endpoint_id=endpoint.id, event_type="affiliate.created",
                    body=b"{}", url=endpoint.url, secret=endpoint.secret, previous_secret=None,
                    previous_secret_expires_at=None, token=token) for r in ids]


def _attempt(claimed: Claimed, status: int | None, at: datetime) -> Attempt:
    outcome = Outcome(status, None if status == 200 else f"HTTP {status}", "")
    return Attempt(claimed, outcome, at, at + timedelta(milliseconds=5), 5)


async def _attempts_logged(pool: asyncpg.Pool, delivery_id: str) -> int:
    async with pool.acquire() as conn:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM delivery_attempts WHERE delivery_id = $1", delivery_id)
    return count


async def test_a_lease_lost_mid_batch_records_nothing_for_that_delivery(
        pool: asyncpg.Pool) -> None:
    endpoint = await _endpoint(pool, "http://127.0.0.1:9/batch")
    first, lost, third = await _leased(pool, endpoint, 3)
    other = uuid.uuid4()  # the lease expired and another dispatcher took the delivery over
    async with pool.acquire() as conn:
        await conn.execute("UPDATE deliveries SET lease_token = $2 WHERE id = $1", lost.id,
                           other)
    now = datetime.now(UTC)
    stored = await record_attempts(pool, [_attempt(c, 200, now) for c in (first, lost, third)],
                                   scale=1.0)
    assert [d.status.value if d else None for d in stored] == ["Succeeded", None, "Succeeded"]
    async with pool.acquire() as conn:
        rows = {r["id"]: r for r in await conn.fetch(
            "SELECT id, status, attempts, lease_token FROM deliveries WHERE endpoint_id = $1",
            endpoint.id)}
    assert rows[lost.id]["status"] == "Pending" and rows[lost.id]["attempts"] == 0
    assert rows[lost.id]["lease_token"] == other
    assert await _attempts_logged(pool, lost.id) == 0
    for done in (first, third):
        assert rows[done.id]["attempts"] == 1 and rows[done.id]["lease_token"] is None
        assert await _attempts_logged(pool, done.id) == 1
    # a batch can only be recorded once: the leases it held are released
    assert await record_attempts(pool, [_attempt(first, 200, now)], scale=1.0) == [None]


async def test_a_batch_replays_the_failure_streak_in_finish_order(pool: asyncpg.Pool) -> None:
    recovering = await _endpoint(pool, "http://127.0.0.1:9/recovering")
    failing = await _endpoint(pool, "http://127.0.0.1:9/failing")
    r1, r2 = await _leased(pool, recovering, 2)
    f1, f2 = await _leased(pool, failing, 2)
    t = datetime.now(UTC)
    # given out of order: the batch sorts by when each attempt finished
    batch = [_attempt(r2, 200, t + timedelta(seconds=1)), _attempt(r1, 500, t),
             _attempt(f2, 503, t + timedelta(seconds=1)), _attempt(f1, 500, t)]
    stored = await record_attempts(pool, batch, scale=1.0)
    assert [d.status.value if d else None for d in stored] == [
        "Succeeded", "Retrying", "Retrying", "Retrying"]
    async with pool.acquire() as conn:
        since = {r["id"]: r["failing_since"] for r in await conn.fetch(
            "SELECT id, failing_since FROM endpoints WHERE id = ANY($1::uuid[])",
            [recovering.id, failing.id])}
    assert since[recovering.id] is None  # the success came last
    assert since[failing.id] == t  # the streak starts at the first failure


async def test_410_in_a_batch_disables_once_and_closes_the_endpoints_deliveries(
        pool: asyncpg.Pool) -> None:
    endpoint = await _endpoint(pool, "http://127.0.0.1:9/gone")
    a, b, c = await _leased(pool, endpoint, 3)
    t = datetime.now(UTC)
    stored = await record_attempts(pool, [_attempt(a, 500, t),
                                          _attempt(b, 410, t + timedelta(seconds=1)),
                                          _attempt(c, 500, t + timedelta(seconds=2))],
                                   scale=1.0)
    assert all(d is not None and d.status.value == "Failed" for d in stored)
    assert all(d is not None and d.next_attempt_at is None for d in stored)
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT is_active, disabled_reason FROM endpoints "
                                  "WHERE id = $1", endpoint.id)
        audits = await conn.fetchval(
            "SELECT count(*) FROM outbox WHERE routing_key = 'audit.recorded' "
            "AND payload->>'action' = 'webhook.disabled' AND payload->>'entityId' = $1",
            str(endpoint.id))
        attempts = await conn.fetchval(
            "SELECT count(*) FROM delivery_attempts WHERE delivery_id = ANY($1::text[])",
            [a.id, b.id, c.id])
    assert row is not None
    assert row["is_active"] is False and "410" in row["disabled_reason"]
    assert audits == 1 and attempts == 3
    assert await _statuses(pool, endpoint.org_id) == ["Failed"] * 3


async def test_the_recorder_groups_concurrent_attempts(pool: asyncpg.Pool) -> None:
    endpoint = await _endpoint(pool, "http://127.0.0.1:9/grouped")
    claimed = await _leased(pool, endpoint, 40)
    recorder = BatchRecorder(pool, scale=1.0, max_batch=16)
    now = datetime.now(UTC)
    try:
        stored = await asyncio.gather(*(recorder.record(_attempt(c, 200, now))
                                        for c in claimed))
    finally:
        await recorder.close()
    assert [d.id if d else None for d in stored] == [c.id for c in claimed]
    assert await _statuses(pool, endpoint.org_id) == ["Succeeded"] * 40


if __name__ == "__main__":
    _die_after_send()
