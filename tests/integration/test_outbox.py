"""The transactional outbox on the real PostgreSQL and RabbitMQ (the ``ledger`` schema)."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from libs.shared.bus import Bus, Delivery
from libs.shared.db import create_pool
from libs.shared.inbox import first_time
from libs.shared.logging import request_id_var
from libs.shared.outbox import OutboxRelay, add_event, add_events_json, relay_channel
from libs.shared.settings import Settings
from tests.common.buses import MakeBus

SCHEMA = "ledger"



class Rollback(Exception):
    pass


@pytest.fixture
async def pool(settings: Settings, migrated: None) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(settings.database_url, SCHEMA, min_size=1, max_size=5)
    yield pool
    await pool.close()


@pytest.fixture
async def created_ids(pool: asyncpg.Pool) -> AsyncIterator[list[uuid.UUID]]:
    """Outbox rows this test staged; deleted afterwards."""
    ids: list[uuid.UUID] = []
    yield ids
    async with pool.acquire() as conn:
        await conn.execute("DELETE FROM outbox WHERE id = ANY($1)", ids)


async def _subscriber(make_bus: MakeBus, uid: str
                      ) -> tuple[Bus, asyncio.Queue[Delivery]]:
    bus = await make_bus(f"svc-outbox-{uid}")
    inbox: asyncio.Queue[Delivery] = asyncio.Queue()

    async def handler(delivery: Delivery) -> None:
        await inbox.put(delivery)

    await bus.subscribe("outbox", [f"o{uid}.#"], handler)
    return bus, inbox


async def _unsent(pool: asyncpg.Pool, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of ``ids`` are still in the outbox (the relay deletes what the broker confirmed)."""
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT id FROM outbox WHERE id = ANY($1)", ids)
    return {r["id"] for r in rows}


async def test_rolled_back_event_leaves_nothing(pool: asyncpg.Pool,
                                                created_ids: list[uuid.UUID]) -> None:
    notified: list[str] = []
    async with pool.acquire() as listener, pool.acquire() as conn:
        await listener.add_listener(relay_channel(SCHEMA),
                                    lambda *args: notified.append(args[3]))
        try:
            with pytest.raises(Rollback):
                async with conn.transaction():
                    event_id = await add_event(conn, "o.rollback", {"n": 1})
                    created_ids.append(event_id)
                    # visible inside the transaction that staged it
                    assert await conn.fetchval(
                        "SELECT count(*) FROM outbox WHERE id = $1", event_id) == 1
                    raise Rollback
            assert await conn.fetchval(
                "SELECT count(*) FROM outbox WHERE id = $1", event_id) == 0
            await asyncio.sleep(0.2)
            assert notified == []  # a rolled-back transaction wakes no relay
        finally:
            await listener.reset()


async def test_committed_event_is_relayed_and_marked_sent(
        pool: asyncpg.Pool, created_ids: list[uuid.UUID], make_bus: MakeBus) -> None:
    uid = uuid.uuid4().hex[:12]
    _, inbox = await _subscriber(make_bus, uid)
    relay_bus = await make_bus(f"relay-{uid}")
    relay = OutboxRelay(pool, relay_bus, SCHEMA)

    notified: list[str] = []
    woken = asyncio.Event()

    def on_notify(*args: Any) -> None:
        notified.append(args[3])
        woken.set()

    payload = {"commissionId": str(uuid.uuid4()), "amount": {"cents": 1250, "currency": "EUR"},
               "tags": ["a", "b"], "note": None}
    token = request_id_var.set(f"req-{uid}")
    async with pool.acquire() as listener, pool.acquire() as conn:
        await listener.add_listener(relay_channel(SCHEMA), on_notify)
        try:
            async with conn.transaction():
                event_id = await add_event(conn, f"o{uid}.commission.created", payload)
                created_ids.append(event_id)
            # the commit wakes relays of this schema
            await asyncio.wait_for(woken.wait(), 5)
            assert SCHEMA in notified
        finally:
            request_id_var.reset(token)
            await listener.reset()

    assert event_id.version == 7
    assert await _unsent(pool, [event_id]) == {event_id}
    assert await relay.backlog() >= 1

    # Other tests may have left older unsent rows in this schema: relay until ours went out.
    for _ in range(100):
        assert await relay.relay_once() >= 1
        if not await _unsent(pool, [event_id]):
            break
    assert await _unsent(pool, [event_id]) == set()

    delivery = await asyncio.wait_for(inbox.get(), 5)
    assert delivery.message_id == str(event_id)
    assert delivery.routing_key == f"o{uid}.commission.created"
    assert delivery.body == payload
    assert delivery.headers.get("x-request-id") == f"req-{uid}"

    # sent once: relaying again publishes nothing more of ours
    await relay.relay_once()
    await asyncio.sleep(0.3)
    assert inbox.empty()


async def test_staged_json_is_relayed_byte_for_byte(
        pool: asyncpg.Pool, created_ids: list[uuid.UUID]) -> None:
    """The outbox keeps the text a service staged (a ``json`` column): jsonb would have
    re-serialised it (key order, spacing) on the way out, at a cost per event."""
    body = '{"zeta": 1, "alpha":{"b":2,"a":[1, 2]},"note":null}'
    event_id = uuid.uuid4()
    async with pool.acquire() as conn, conn.transaction():
        await add_events_json(conn, [(event_id, "o.bytes.kept", body)],
                              now=datetime.now(UTC))
    created_ids.append(event_id)
    assert await pool.fetchval("SELECT payload::text FROM outbox WHERE id = $1",
                               event_id) == body
    with pytest.raises(asyncpg.InvalidTextRepresentationError):  # still refused when malformed
        async with pool.acquire() as conn, conn.transaction():
            await add_events_json(conn, [(uuid.uuid4(), "o.bytes.kept", '{"a": ')],
                                  now=datetime.now(UTC))


async def test_staged_events_wake_the_relay_when_they_commit_and_keep_their_order(
        pool: asyncpg.Pool, created_ids: list[uuid.UUID]) -> None:
    """``add_events_json`` stages and notifies in one statement: the wake-up still arrives
    only with the commit, and the rows keep the order they were given in."""
    notified: list[str] = []
    woken = asyncio.Event()

    def on_notify(*args: Any) -> None:
        notified.append(args[3])
        woken.set()

    events = [(uuid.uuid4(), "o.staged.order", f'{{"n": {n}}}') for n in range(5)]
    created_ids.extend(event_id for event_id, _, _ in events)
    async with pool.acquire() as listener, pool.acquire() as conn:
        await listener.add_listener(relay_channel(SCHEMA), on_notify)
        try:
            async with conn.transaction():
                await add_events_json(conn, events, now=datetime.now(UTC))
                await asyncio.sleep(0.2)
                assert notified == []  # not before the commit
            await asyncio.wait_for(woken.wait(), 5)
            assert notified == [SCHEMA]
        finally:
            await listener.reset()
    rows = await pool.fetch("SELECT id, payload::text AS payload FROM outbox WHERE id = ANY($1) "
                            "ORDER BY created_at", [e[0] for e in events])
    assert [(r["id"], r["payload"]) for r in rows] == [(i, body) for i, _, body in events]


async def test_inbox_remembers_message_ids_per_consumer(pool: asyncpg.Pool) -> None:
    consumer, other = f"test-{uuid.uuid4().hex}", f"test-{uuid.uuid4().hex}"
    message_id = str(uuid.uuid4())
    async with pool.acquire() as conn:
        try:
            with pytest.raises(Rollback):
                async with conn.transaction():
                    assert await first_time(conn, consumer, message_id) is True
                    raise Rollback
            # the rollback forgot it: the redelivery is applied
            async with conn.transaction():
                assert await first_time(conn, consumer, message_id) is True
            async with conn.transaction():
                assert await first_time(conn, consumer, message_id) is False
            # another consumer sees the same message for the first time
            assert await first_time(conn, other, message_id) is True
        finally:
            await conn.execute("DELETE FROM inbox WHERE consumer = ANY($1)", [consumer, other])


async def test_a_backlog_is_relayed_without_spacing(
        pool: asyncpg.Pool, created_ids: list[uuid.UUID], make_bus: MakeBus) -> None:
    """Runs are spaced ``min_interval`` apart only when the relay has caught up: spacing full
    batches would cap it at batch_size / min_interval events a second (here 5 per 3 s)."""
    uid = uuid.uuid4().hex[:12]
    _, inbox = await _subscriber(make_bus, uid)
    staged = await _stage(pool, uid, 23, 0)
    created_ids.extend(staged)
    relay = OutboxRelay(pool, await make_bus(f"relay-{uid}"), SCHEMA, batch_size=5,
                        min_interval=3.0)
    run_task = asyncio.create_task(relay.run())
    try:
        got: set[str] = set()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(2.5):  # spaced, the fifth batch would leave after 12 s
                while len(got) < len(staged):
                    got.add((await inbox.get()).message_id)
        assert got == {str(i) for i in staged}
    finally:
        run_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await run_task
        await relay.close()


async def _rabbitmqctl(*args: str, seconds: float = 60) -> None:
    process = await asyncio.create_subprocess_exec(
        "rabbitmqctl", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(process.communicate(), seconds)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode == 0, f"rabbitmqctl {args}: {out.decode()} {err.decode()}"


async def _stage(pool: asyncpg.Pool, uid: str, n: int, start: int) -> list[uuid.UUID]:
    ids = []
    async with pool.acquire() as conn:
        for i in range(start, start + n):
            async with conn.transaction():
                ids.append(await add_event(conn, f"o{uid}.item", {"i": i}))
    return ids


@pytest.mark.broker_restart
@pytest.mark.timeout(180)
async def test_relay_survives_broker_restart(
        pool: asyncpg.Pool, created_ids: list[uuid.UUID], make_bus: MakeBus) -> None:
    uid = uuid.uuid4().hex[:12]
    _, inbox = await _subscriber(make_bus, uid)
    relay_bus = await make_bus(f"relay-{uid}")
    relay = OutboxRelay(pool, relay_bus, SCHEMA, poll_seconds=0.2)
    run_task: asyncio.Task[None] | None = None

    before = await _stage(pool, uid, 5, 0)
    created_ids.extend(before)
    try:
        await _rabbitmqctl("stop_app")
        # while the broker is away, relaying fails and marks nothing sent
        started = time.monotonic()
        # the errors OutboxRelay.run treats as "broker away" (and backs off from)
        with pytest.raises((ConnectionError, OSError, RuntimeError, TimeoutError)):
            await relay.relay_once()
        assert time.monotonic() - started < 15  # fails, does not hang

        run_task = asyncio.create_task(relay.run())
        during = await _stage(pool, uid, 5, 5)
        created_ids.extend(during)
        await asyncio.sleep(1.5)
        assert not run_task.done()
        assert await _unsent(pool, before + during) == set(before + during), \
            "deleted while the broker was down"
    finally:
        await _rabbitmqctl("start_app")
        await _rabbitmqctl("await_startup")

    try:
        expected = {str(i) for i in before + during}
        got: set[str] = set()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(TimeoutError):
                delivery = await asyncio.wait_for(inbox.get(), 0.5)
                got.add(delivery.message_id)
            if got >= expected and not await _unsent(pool, before + during):
                break
        assert got >= expected, f"missing {expected - got}"
        assert await _unsent(pool, before + during) == set(), "not every row was deleted"
        assert got == expected  # nothing else on our routing keys

        # the relay keeps working after the restart
        after = await _stage(pool, uid, 1, 10)
        created_ids.extend(after)
        delivery = await asyncio.wait_for(inbox.get(), 10)
        assert delivery.message_id == str(after[0])
    finally:
        assert run_task is not None
        run_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await run_task
        await relay.close()
