"""Events over the real RabbitMQ: topic routing, dead-lettering after the delivery limit, and
redelivery when a consumer dies before it acks."""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aio_pika
import asyncpg
import pytest

from libs.shared import jsonutil
from libs.shared.bus import PACK_ENCODING, Delivery
from libs.shared.logging import request_id_var
from libs.shared.settings import Settings
from tests.common.buses import NAMESPACE, MakeBus, bus_factory

ROOT = Path(__file__).resolve().parents[2]



def _uid() -> str:
    return uuid.uuid4().hex[:12]


@pytest.fixture
async def queues(settings: Settings) -> AsyncIterator[list[str]]:
    """Names of subscription queues to delete (with their ``.dlq``) after the test."""
    names: list[str] = []
    yield names
    connection = await aio_pika.connect(settings.amqp_url)
    try:
        channel = await connection.channel()
        for name in names:
            await channel.queue_delete(name)
            await channel.queue_delete(f"{name}.dlq")
    finally:
        await connection.close()


@pytest.fixture
async def make_bus(settings: Settings, queues: list[str]) -> AsyncIterator[MakeBus]:
    """The shared bus factory, closed before ``queues`` deletes the subscriptions."""
    async for make in bus_factory(settings):
        yield make


async def _next(inbox: asyncio.Queue[Delivery], seconds: float = 5.0) -> Delivery:
    return await asyncio.wait_for(inbox.get(), seconds)


def _collector() -> tuple[asyncio.Queue[Delivery], Callable[[Delivery], Awaitable[None]]]:
    inbox: asyncio.Queue[Delivery] = asyncio.Queue()

    async def handler(delivery: Delivery) -> None:
        await inbox.put(delivery)

    return inbox, handler


async def test_publish_subscribe_with_topic_wildcards(make_bus: MakeBus,
                                                      queues: list[str]) -> None:
    uid = _uid()
    service = f"svc-ev-{uid}"
    consumer = await make_bus(service)
    inbox, handler = _collector()
    queues.append(f"{NAMESPACE}.{service}.orders")
    await consumer.subscribe("orders", [f"t{uid}.*.created", f"t{uid}.payout.#"], handler)
    other_inbox, other_handler = _collector()
    queues.append(f"{NAMESPACE}.{service}.payouts")
    await consumer.subscribe("payouts", [f"t{uid}.payout.sent"], other_handler)

    publisher = await make_bus(f"pub-{uid}")
    sent: dict[str, str] = {}
    for key in [f"t{uid}.order.created",        # * matches one word
                f"t{uid}.order.updated",        # no
                f"t{uid}.a.b.created",          # no: * is exactly one word
                f"t{uid}.payout.sent",          # # matches one word, and the other queue
                f"t{uid}.payout",               # # matches zero words
                f"t{uid}.payout.sent.late",     # # matches several words
                f"x{uid}.order.created",        # other prefix
                f"t{uid}.end.created"]:         # sentinel
        message_id = str(uuid.uuid4())
        sent[key] = message_id
        await publisher.publish(key, {"key": key, "amount": 1999, "at": "2024-01-01"},
                                message_id=message_id, headers={"x-tenant": "acme"})

    got: list[Delivery] = []
    while not got or got[-1].routing_key != f"t{uid}.end.created":
        got.append(await _next(inbox))
    expected = [f"t{uid}.order.created", f"t{uid}.payout.sent", f"t{uid}.payout",
                f"t{uid}.payout.sent.late", f"t{uid}.end.created"]
    assert [d.routing_key for d in got] == expected
    for delivery in got:
        assert delivery.message_id == sent[delivery.routing_key]
        assert delivery.body == {"key": delivery.routing_key, "amount": 1999, "at": "2024-01-01"}
        assert delivery.headers.get("x-tenant") == "acme"
        assert delivery.redelivered is False
        assert delivery.delivery_count == 0

    # each subscription is its own queue with its own copy
    only = await _next(other_inbox)
    assert (only.routing_key, only.message_id) == (f"t{uid}.payout.sent", sent[only.routing_key])
    await asyncio.sleep(0.2)
    assert inbox.empty() and other_inbox.empty()


async def test_event_carries_request_id(make_bus: MakeBus, queues: list[str]) -> None:
    uid = _uid()
    service = f"svc-rid-{uid}"
    consumer = await make_bus(service)
    seen: asyncio.Queue[str | None] = asyncio.Queue()

    async def handler(_delivery: Delivery) -> None:
        await seen.put(request_id_var.get())

    queues.append(f"{NAMESPACE}.{service}.rid")
    await consumer.subscribe("rid", [f"r{uid}.#"], handler)
    publisher = await make_bus(f"pub-{uid}")
    await publisher.publish(f"r{uid}.a", {}, message_id="m1", headers={"x-request-id": "req-1"})
    await publisher.publish(f"r{uid}.b", {}, message_id="m2")
    assert await asyncio.wait_for(seen.get(), 5) == "req-1"
    assert await asyncio.wait_for(seen.get(), 5) is None


async def _dlq_get(settings: Settings, name: str, deadline: float
                   ) -> aio_pika.abc.AbstractIncomingMessage | None:
    connection = await aio_pika.connect(settings.amqp_url)
    try:
        channel = await connection.channel()
        queue = await channel.get_queue(name)
        while time.monotonic() < deadline:
            message = await queue.get(no_ack=True, fail=False)
            if message is not None:
                return message
            await asyncio.sleep(0.05)
        return None
    finally:
        await connection.close()


async def test_failing_handler_dead_letters_after_delivery_limit(
        make_bus: MakeBus, queues: list[str], settings: Settings) -> None:
    uid = _uid()
    service = f"svc-dlq-{uid}"
    limit = 2
    consumer = await make_bus(service, delivery_limit=limit)
    attempts: list[Delivery] = []

    async def always_fails(delivery: Delivery) -> None:
        attempts.append(delivery)
        raise RuntimeError("cannot handle this")

    queue_name = f"{NAMESPACE}.{service}.broken"
    queues.append(queue_name)
    await consumer.subscribe("broken", [f"d{uid}.#"], always_fails)
    publisher = await make_bus(f"pub-{uid}")
    message_id = str(uuid.uuid4())
    await publisher.publish(f"d{uid}.thing", {"n": 1}, message_id=message_id,
                            headers={"x-request-id": "req-dlq"})

    dead = await _dlq_get(settings, f"{queue_name}.dlq", time.monotonic() + 15)
    assert dead is not None, f"nothing dead-lettered after {len(attempts)} attempts"
    assert dead.message_id == message_id
    assert jsonutil.loads(dead.body) == {"n": 1}
    assert (dead.headers or {}).get("x-request-id") == "req-dlq"

    # exactly `delivery_limit` attempts, each for the same message, then no more
    await asyncio.sleep(0.5)
    assert len(attempts) == limit
    assert {d.message_id for d in attempts} == {message_id}
    assert [d.redelivered for d in attempts] == [False] + [True] * (limit - 1)
    assert [d.delivery_count for d in attempts] == list(range(limit))

    # the subscription itself is empty and keeps working for other messages
    ok = asyncio.Event()

    async def works(_delivery: Delivery) -> None:
        ok.set()

    healthy = await make_bus(f"svc-ok-{uid}", delivery_limit=limit)
    queues.append(f"{NAMESPACE}.svc-ok-{uid}.fine")
    await healthy.subscribe("fine", [f"d{uid}.#"], works)
    await publisher.publish(f"d{uid}.other", {}, message_id=str(uuid.uuid4()))
    await asyncio.wait_for(ok.wait(), 5)


async def test_deliveries_lost_to_dead_consumers_count_towards_the_limit(
        make_bus: MakeBus, queues: list[str], settings: Settings) -> None:
    uid = _uid()
    service = f"svc-lost-{uid}"
    limit = 2
    queue_name = f"{NAMESPACE}.{service}.work"
    queues.append(queue_name)
    called: list[Delivery] = []

    async def handler(delivery: Delivery) -> None:
        called.append(delivery)

    # declare the subscription, then go away so the message waits in the queue
    declaring = await make_bus(service, delivery_limit=limit)
    await declaring.subscribe("work", [f"l{uid}.#"], handler)
    await declaring.close()
    publisher = await make_bus(f"pub-{uid}")
    message_id = str(uuid.uuid4())
    await publisher.publish(f"l{uid}.x", {"n": 1}, message_id=message_id)

    # `limit` consumers each take the message and vanish without acking
    for _ in range(limit):
        connection = await aio_pika.connect(settings.amqp_url)
        channel = await connection.channel()
        queue = await channel.get_queue(queue_name)
        deadline = time.monotonic() + 5
        message = None
        while message is None and time.monotonic() < deadline:
            message = await queue.get(no_ack=False, fail=False)
        assert message is not None and message.message_id == message_id
        await connection.close()

    consumer = await make_bus(service, delivery_limit=limit)
    await consumer.subscribe("work", [f"l{uid}.#"], handler)
    dead = await _dlq_get(settings, f"{queue_name}.dlq", time.monotonic() + 10)
    assert dead is not None and dead.message_id == message_id
    assert called == []  # every allowed attempt was already spent


async def test_message_is_redelivered_when_consumer_dies_before_ack(
        make_bus: MakeBus, queues: list[str], settings: Settings) -> None:
    uid = _uid()
    service = f"svc-die-{uid}"
    routing_key = f"k{uid}.created"
    queues.append(f"{NAMESPACE}.{service}.work")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.common.dying_consumer", settings.amqp_url, NAMESPACE,
        service, "work", routing_key, "5", cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 15)
        assert line.decode().strip() == "ready", line

        publisher = await make_bus(f"pub-{uid}")
        message_id = str(uuid.uuid4())
        await publisher.publish(routing_key, {"work": 1}, message_id=message_id)

        line = await asyncio.wait_for(process.stdout.readline(), 10)
        assert line.decode().strip() == f"got {message_id}"
        assert await asyncio.wait_for(process.wait(), 10) == 1  # died inside the handler
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    consumer = await make_bus(service, delivery_limit=5)
    inbox, handler = _collector()
    await consumer.subscribe("work", [routing_key], handler)
    delivery = await _next(inbox, 10)
    assert delivery.message_id == message_id
    assert delivery.body == {"work": 1}
    assert delivery.redelivered is True
    # RabbitMQ 3.x counts a delivery lost with its consumer; 4.3+ counts only explicit failures
    assert delivery.delivery_count in (0, 1)
    # acked this time: nothing comes again
    await asyncio.sleep(0.3)
    assert inbox.empty()


async def test_batch_subscription_groups_a_burst_and_isolates_a_poison_message(
        make_bus: MakeBus, queues: list[str], settings: Settings) -> None:
    uid = _uid()
    service = f"svc-batch-{uid}"
    consumer = await make_bus(service, delivery_limit=2, prefetch=100)
    batches: list[list[int]] = []
    applied: list[int] = []
    all_good = asyncio.Event()

    async def handle(deliveries: list[Delivery]) -> None:
        numbers = [d.body["n"] for d in deliveries]
        batches.append(numbers)
        if 13 in numbers:  # the poison message fails whatever batch it is in
            raise RuntimeError("cannot handle 13")
        applied.extend(numbers)
        if len(applied) >= 39:
            all_good.set()

    queue_name = f"{NAMESPACE}.{service}.burst"
    queues.append(queue_name)
    publisher = await make_bus(f"pub-{uid}")
    # Published before anyone consumes, so the consumer meets them as one burst.
    await consumer.subscribe_batch("burst", [f"b{uid}.#"], handle)
    await asyncio.gather(*(publisher.publish(f"b{uid}.n", {"n": n}, message_id=str(n))
                           for n in range(40)))
    dead = await _dlq_get(settings, f"{queue_name}.dlq", time.monotonic() + 15)
    assert dead is not None and jsonutil.loads(dead.body) == {"n": 13}
    await asyncio.wait_for(all_good.wait(), 5)
    await asyncio.sleep(0.2)  # a duplicate would land now
    assert sorted(applied) == [n for n in range(40) if n != 13]  # each once, 13 never
    assert max(len(b) for b in batches) > 1, batches  # a burst is handled together


async def test_packed_events_arrive_one_by_one_and_a_poison_one_is_parked_alone(
        make_bus: MakeBus, queues: list[str], settings: Settings) -> None:
    uid = _uid()
    publisher = await make_bus(f"pub-{uid}")
    single, batched = await make_bus(f"svc-one-{uid}", delivery_limit=2), \
        await make_bus(f"svc-many-{uid}", delivery_limit=2)
    seen_one: list[tuple[str, int, str | None]] = []
    seen_many: list[int] = []
    done = asyncio.Event()

    async def one(delivery: Delivery) -> None:
        if delivery.body["n"] == 3:
            raise RuntimeError("cannot handle 3")
        seen_one.append((delivery.message_id, delivery.body["n"],
                         delivery.headers.get("x-request-id")))

    many_calls: list[list[int]] = []

    async def many(deliveries: list[Delivery]) -> None:
        many_calls.append([d.body["n"] for d in deliveries])
        seen_many.extend(d.body["n"] for d in deliveries)
        if len(seen_many) >= 5:
            done.set()

    for bus, name in ((single, "one"), (batched, "many")):
        queues.append(f"{NAMESPACE}.{bus.service}.{name}")
    await single.subscribe("one", [f"p{uid}.#"], one)
    await batched.subscribe_batch("many", [f"p{uid}.#"], many)
    events = [(f"id-{n}", jsonutil.dumps({"n": n}), {"x-request-id": f"req-{n}"})
              for n in range(5)]
    await publisher.publish_packed(f"p{uid}.n", events)
    await asyncio.wait_for(done.wait(), 5)
    assert sorted(seen_many) == [0, 1, 2, 3, 4]
    assert many_calls == [[0, 1, 2, 3, 4]]  # a pack reaches a batch handler as one batch
    dead = await _dlq_get(settings, f"{NAMESPACE}.{single.service}.one.dlq",
                          time.monotonic() + 15)
    assert dead is not None and dead.message_id == "id-3"
    assert jsonutil.loads(dead.body) == {"n": 3}
    # Each good event applied (the pack was redelivered once, so twice), with its own id and
    # headers; the poison one never.
    assert {e for e in seen_one} == {(f"id-{n}", n, f"req-{n}") for n in (0, 1, 2, 4)}
    assert all(n != 3 for _, n, _ in seen_one)


async def test_a_pack_with_a_poison_event_falls_back_to_one_by_one_for_a_batch_handler(
        make_bus: MakeBus, queues: list[str], settings: Settings) -> None:
    uid = _uid()
    publisher = await make_bus(f"pub-{uid}")
    consumer = await make_bus(f"svc-pack-{uid}", delivery_limit=2)
    calls: list[list[int]] = []
    applied: list[int] = []

    async def handle(deliveries: list[Delivery]) -> None:
        numbers = [d.body["n"] for d in deliveries]
        calls.append(numbers)
        if 2 in numbers:
            raise RuntimeError("cannot handle 2")
        applied.extend(numbers)

    queue_name = f"{NAMESPACE}.{consumer.service}.pack"
    queues.append(queue_name)
    await consumer.subscribe_batch("pack", [f"q{uid}.#"], handle)
    await publisher.publish_packed(f"q{uid}.n", [
        (f"id-{n}", jsonutil.dumps({"n": n}), {}) for n in range(4)])
    dead = await _dlq_get(settings, f"{queue_name}.dlq", time.monotonic() + 15)
    assert dead is not None and dead.message_id == "id-2"
    await asyncio.sleep(0.2)
    assert calls[0] == [0, 1, 2, 3]  # tried as one batch first
    assert set(applied) == {0, 1, 3} and 2 not in applied


async def test_a_pack_travels_deflated_and_a_plain_event_does_not(
        make_bus: MakeBus, queues: list[str], settings: Settings) -> None:
    """What the broker stores of a pack is its deflated body (a fraction of the JSON); the
    consumers' deliveries are the events as published, as the pack tests above check."""
    uid = _uid()
    publisher = await make_bus(f"pub-{uid}")
    name = f"{NAMESPACE}.raw.{uid}"
    queues.append(name)
    connection = await aio_pika.connect(settings.amqp_url)
    try:
        channel = await connection.channel()
        queue = await channel.declare_queue(name, auto_delete=True)
        await queue.bind(await channel.get_exchange(f"{NAMESPACE}.events"),
                         routing_key=f"r{uid}.#")
        events = [(f"id-{n}", jsonutil.dumps({"n": n, "note": "the same keys " * 4}),
                   {"x-request-id": f"req-{n}"}) for n in range(50)]
        await publisher.publish_packed(f"r{uid}.n", events)
        await publisher.publish_packed(f"r{uid}.n", events[:1])
        packed = await _get(queue)
        plain = await _get(queue)
    finally:
        await connection.close()
    assert packed.content_encoding == PACK_ENCODING
    text = zlib.decompress(packed.body)
    assert len(packed.body) * 5 < len(text)
    assert [(e["id"], e["b"], e["h"]) for e in jsonutil.loads(text)] == [
        (i, jsonutil.loads(b), h) for i, b, h in events]
    assert plain.content_encoding is None and plain.message_id == "id-0"
    assert jsonutil.loads(plain.body) == {"n": 0, "note": "the same keys " * 4}


async def _get(queue: aio_pika.abc.AbstractQueue) -> aio_pika.abc.AbstractIncomingMessage:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        message = await queue.get(no_ack=True, fail=False)
        if message is not None:
            return message
        await asyncio.sleep(0.05)
    raise AssertionError("nothing arrived")


async def test_a_database_outage_does_not_spend_the_delivery_limit(
        make_bus: MakeBus, queues: list[str], settings: Settings) -> None:
    """A handler that cannot reach PostgreSQL (a restart) is tried again in place, however
    many times, instead of being dead-lettered as a poison message after ``delivery_limit``."""
    uid = _uid()
    service = f"svc-outage-{uid}"
    consumer = await make_bus(service, delivery_limit=2)
    calls: list[int] = []
    handled = asyncio.Event()

    async def db_restarting(deliveries: list[Delivery]) -> None:
        calls.append(len(deliveries))
        if len(calls) <= 4:  # twice the delivery limit
            raise asyncpg.CannotConnectNowError("the database system is shutting down")
        handled.set()

    queue_name = f"{NAMESPACE}.{service}.outage"
    queues.append(queue_name)
    await consumer.subscribe_batch("outage", [f"o{uid}.#"], db_restarting)
    publisher = await make_bus(f"pub-{uid}")
    await publisher.publish(f"o{uid}.thing", {"n": 1}, message_id=str(uuid.uuid4()))
    await asyncio.wait_for(handled.wait(), 15)
    assert len(calls) == 5
    assert await _dlq_get(settings, f"{queue_name}.dlq", time.monotonic() + 0.5) is None
