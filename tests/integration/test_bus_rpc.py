"""Request/reply over the real RabbitMQ: round trip, errors, unknown methods, timeouts and the
request id that follows a call."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import pytest

from libs.shared.bus import Bus, RemoteError, RpcTimeout
from libs.shared.errors import NotFound, RekomiError, ValidationFailed
from libs.shared.logging import request_id_var
from tests.common.buses import MakeBus


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


async def test_rpc_round_trip(make_bus: MakeBus) -> None:
    service = _name("svc-x")
    seen: list[dict[str, Any]] = []

    async def echo(payload: dict[str, Any]) -> dict[str, Any]:
        seen.append(payload)
        return {"echo": payload, "by": service}

    async def add(payload: dict[str, Any]) -> int:
        return int(payload["a"]) + int(payload["b"])

    server = await make_bus(service)
    await server.serve({"echo": echo, "add": add})
    client = await make_bus(_name("caller"))

    payload = {"text": "héllo", "n": 3, "nested": {"list": [1, 2, None]}}
    assert await client.call(service, "echo", payload) == {"echo": payload, "by": service}
    assert seen == [payload]
    assert await client.call(service, "add", {"a": 2, "b": 40}) == 42

    # many calls in flight at once each get their own answer (correlation ids)
    results = await asyncio.gather(*(client.call(service, "add", {"a": i, "b": i})
                                     for i in range(20)))
    assert results == [2 * i for i in range(20)]


async def test_rekomi_error_comes_back_as_remote_error(make_bus: MakeBus) -> None:
    service = _name("svc-err")

    async def invalid(_payload: dict[str, Any]) -> None:
        raise ValidationFailed("amount must be positive", field="amount")

    async def missing(_payload: dict[str, Any]) -> None:
        raise NotFound("no such payout")

    async def limited(_payload: dict[str, Any]) -> None:
        raise RekomiError("slow down", code="rate_limited", extra={"retryAfter": 7})

    async def crash(_payload: dict[str, Any]) -> None:
        raise ZeroDivisionError("secret internals")

    async def restarting(_payload: dict[str, Any]) -> None:
        raise asyncpg.CannotConnectNowError("the database system is shutting down")

    server = await make_bus(service)
    await server.serve({"invalid": invalid, "missing": missing, "limited": limited,
                        "crash": crash, "restarting": restarting})
    client = await make_bus(_name("caller"))

    with pytest.raises(RemoteError) as info:
        await client.call(service, "invalid", {})
    assert isinstance(info.value, RekomiError)
    assert info.value.code == "validation_failed"
    assert info.value.field == "amount"
    assert info.value.message == "amount must be positive"
    assert info.value.envelope() == {"error": "validation_failed",
                                     "message": "amount must be positive", "field": "amount"}

    with pytest.raises(RemoteError) as info:
        await client.call(service, "missing", {})
    assert (info.value.code, info.value.field) == ("not_found", None)

    with pytest.raises(RemoteError) as info:
        await client.call(service, "limited", {})
    assert info.value.code == "rate_limited"
    assert info.value.extra == {"retryAfter": 7}

    with pytest.raises(RemoteError) as info:
        await client.call(service, "crash", {})
    assert info.value.code == "internal_error"
    assert "secret" not in info.value.message  # internals do not leak to the caller

    # a database restart is the caller's to retry (503), not a crash (500)
    with pytest.raises(RemoteError) as info:
        await client.call(service, "restarting", {})
    assert info.value.code == "upstream_unavailable"

    # the server keeps answering after errors
    async def ok(_payload: dict[str, Any]) -> str:
        return "fine"
    await server.serve({"ok": ok})
    assert await client.call(service, "ok", {}) == "fine"


async def test_unknown_method(make_bus: MakeBus) -> None:
    service = _name("svc-unknown")

    async def echo(payload: dict[str, Any]) -> dict[str, Any]:
        return payload

    server = await make_bus(service)
    await server.serve({"echo": echo})
    client = await make_bus(_name("caller"))
    with pytest.raises(RemoteError) as info:
        await client.call(service, "no_such_method", {"x": 1})
    assert info.value.code == "unknown_method"
    assert "no_such_method" in info.value.message
    assert await client.call(service, "echo", {"x": 1}) == {"x": 1}


async def test_call_without_server_times_out(make_bus: MakeBus) -> None:
    client = await make_bus(_name("caller"))
    nobody = _name("svc-nobody")
    started = time.monotonic()
    with pytest.raises(RpcTimeout) as info:
        await client.call(nobody, "echo", {}, timeout=0.5)
    elapsed = time.monotonic() - started
    assert 0.45 <= elapsed < 2.0
    assert info.value.code == "upstream_timeout"
    assert not client._futures  # nothing left waiting

    # the default timeout is the bus's rpc_timeout
    quick = await make_bus(_name("caller"), rpc_timeout=0.3)
    started = time.monotonic()
    with pytest.raises(RpcTimeout):
        await quick.call(nobody, "echo", {})
    assert 0.25 <= time.monotonic() - started < 2.0


async def test_slow_handler_times_out_and_late_reply_is_ignored(make_bus: MakeBus) -> None:
    service = _name("svc-slow")
    release = asyncio.Event()

    async def slow(payload: dict[str, Any]) -> dict[str, Any]:
        await release.wait()
        return payload

    async def fast(payload: dict[str, Any]) -> dict[str, Any]:
        return payload

    server = await make_bus(service)
    await server.serve({"slow": slow, "fast": fast})
    client = await make_bus(_name("caller"))
    with pytest.raises(RpcTimeout):
        await client.call(service, "slow", {"n": 1}, timeout=0.3)
    release.set()
    # the late reply to the timed-out call must not be taken as the answer to the next one
    assert await client.call(service, "fast", {"n": 2}) == {"n": 2}


async def test_request_id_propagates_to_handler(make_bus: MakeBus) -> None:
    service = _name("svc-rid")
    seen: list[str | None] = []

    async def who(_payload: dict[str, Any]) -> str | None:
        seen.append(request_id_var.get())
        return request_id_var.get()

    server = await make_bus(service)
    await server.serve({"who": who})
    client = await make_bus(_name("caller"))

    request_id = f"req-{uuid.uuid4().hex}"
    token = request_id_var.set(request_id)
    try:
        assert await client.call(service, "who", {}) == request_id
    finally:
        request_id_var.reset(token)
    # a call without a request id must not inherit the previous one on the server side
    assert await client.call(service, "who", {}) is None
    assert seen == [request_id, None]


async def test_slow_request_does_not_block_other_requests(make_bus: MakeBus) -> None:
    service = _name("svc-conc")
    release = asyncio.Event()

    async def slow(_payload: dict[str, Any]) -> str:
        await release.wait()
        return "slow"

    async def fast(_payload: dict[str, Any]) -> str:
        return "fast"

    server = await make_bus(service)
    await server.serve({"slow": slow, "fast": fast})
    client = await make_bus(_name("caller"))
    pending = asyncio.create_task(client.call(service, "slow", {}, timeout=5))
    try:
        await asyncio.sleep(0.1)
        assert await client.call(service, "fast", {}, timeout=2) == "fast"
        assert not pending.done()
        release.set()
        assert await pending == "slow"
    finally:
        release.set()
        if not pending.done():
            pending.cancel()


async def test_server_survives_caller_that_went_away(make_bus: MakeBus) -> None:
    service = _name("svc-gone")
    release = asyncio.Event()
    finished = asyncio.Event()

    async def slow(payload: dict[str, Any]) -> dict[str, Any]:
        await release.wait()
        finished.set()
        return payload

    server = await make_bus(service)
    await server.serve({"slow": slow})
    leaving = await make_bus(_name("caller"))
    with pytest.raises(RpcTimeout):
        await leaving.call(service, "slow", {"n": 1}, timeout=0.2)
    await leaving.close()  # its reply queue is gone now
    release.set()
    await asyncio.wait_for(finished.wait(), 2)
    # the reply went nowhere; the server still answers others
    other = await make_bus(_name("caller"))
    assert await other.call(service, "slow", {"n": 2}, timeout=2) == {"n": 2}


async def test_casts_run_without_a_reply_and_travel_batched(make_bus: MakeBus) -> None:
    service = _name("castee")
    seen: list[int] = []
    all_seen = asyncio.Event()

    async def record(payload: dict[str, Any]) -> None:
        seen.append(payload["n"])
        if len(seen) == 30:
            all_seen.set()

    server = await make_bus(service)
    await server.serve({"clicks.record": record})
    client = await make_bus(_name("caster"))
    for n in range(30):  # one loop turn: one message
        client.cast(service, "clicks.record", {"n": n})
    await asyncio.wait_for(all_seen.wait(), 5)
    assert sorted(seen) == list(range(30))
    assert client._reply_queue is None  # nothing was asked, so no reply queue was made


class _Timed:
    """Handlers for the linger tests: ``slow`` stays in flight until ``release`` is set,
    ``stamp`` notes when it started, ``nap`` answers after 0.6 s."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.started: dict[str, float] = {}

    def table(self) -> dict[str, Callable[[dict[str, Any]], Awaitable[str]]]:
        return {"slow": self.slow, "stamp": self.stamp, "nap": self.nap}

    async def slow(self, _payload: dict[str, Any]) -> str:
        await self.release.wait()
        return "slow"

    async def stamp(self, payload: dict[str, Any]) -> str:
        self.started[payload["name"]] = time.monotonic()
        return str(payload["name"])

    async def nap(self, _payload: dict[str, Any]) -> str:
        await asyncio.sleep(0.6)
        return "rested"


async def _serve_timed(make_bus: MakeBus, prefix: str) -> tuple[str, _Timed, Bus]:
    """A service answering with ``_Timed``'s handlers, and a bus to call it from."""
    service, handlers = _name(prefix), _Timed()
    server = await make_bus(service)
    await server.serve(handlers.table())
    return service, handlers, await make_bus(_name("caller"))


async def test_a_longer_linger_gathers_later_calls_into_its_message(make_bus: MakeBus) -> None:
    """While a call awaits its answer, the next call waits ``linger`` for company: a call made
    within that window leaves in the same message (its handler starts in the same instant)."""
    service, handlers, client = await _serve_timed(make_bus, "svc-linger")
    started, release = handlers.started, handlers.release
    pending = asyncio.create_task(client.call(service, "slow", {}, timeout=5))
    try:
        await asyncio.sleep(0.1)  # the slow call is in flight: later calls linger
        t0 = time.monotonic()
        first = asyncio.create_task(client.call(service, "stamp", {"name": "a"}, linger=0.4))
        await asyncio.sleep(0.15)
        second = asyncio.create_task(client.call(service, "stamp", {"name": "b"}, linger=0.4))
        assert await asyncio.gather(first, second) == ["a", "b"]
        assert started["a"] - t0 >= 0.35  # it waited for company
        assert abs(started["b"] - started["a"]) < 0.05  # and left with the second call
        # the default linger is a few milliseconds
        t1 = time.monotonic()
        assert await client.call(service, "stamp", {"name": "c"}) == "c"
        assert started["c"] - t1 < 0.2
    finally:
        release.set()
        await pending


async def test_a_slow_service_stretches_the_linger_up_to_its_maximum(make_bus: MakeBus
                                                                      ) -> None:
    """The caller keeps a moving average of each service's round trip (request message to
    reply); while calls are in flight, a call with a ``max_linger`` lingers that long, but
    never more than its maximum; one without keeps its ``linger``."""
    service, handlers, client = await _serve_timed(make_bus, "svc-stretch")
    started, release = handlers.started, handlers.release
    assert client.round_trip(service) is None
    assert await client.call(service, "nap", {}) == "rested"
    round_trip = client.round_trip(service)
    assert round_trip is not None and round_trip >= 0.6
    pending = asyncio.create_task(client.call(service, "slow", {}, timeout=5))
    try:
        await asyncio.sleep(0.1)  # a call is in flight: the next one lingers
        t0 = time.monotonic()
        assert await client.call(service, "stamp", {"name": "a"}, linger=0.1,
                                 max_linger=0.2) == "a"
        assert 0.19 <= started["a"] - t0 < 0.5  # stretched past 0.1, capped at 0.2
        t1 = time.monotonic()
        assert await client.call(service, "stamp", {"name": "b"}, linger=0.1) == "b"
        assert 0.09 <= started["b"] - t1 < 0.19  # no maximum: the plain linger
    finally:
        release.set()
        await pending
