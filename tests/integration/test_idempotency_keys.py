"""Idempotency-Key through the real gateway app (edge, authentication, rate limit, views) on the
real PostgreSQL, Redis and RabbitMQ. No public route is idempotent yet, so the app is built over
test routes whose local views count their runs (per ``note``) and behave as the body asks:
answer, refuse (409), fail once (503), crash once (500) or wait for the test on the first run."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from multidict import CIMultiDictProxy
from pydantic import BaseModel

from libs.shared import jsonutil
from libs.shared.clock import now_utc
from libs.shared.db import create_pool
from libs.shared.errors import Conflict, RekomiError
from libs.shared.settings import Settings
from services.gateway.entrypoints.http.route_table import Route
from services.gateway.service_layer.idempotency import purge_expired
from tests.common.gateway_app import Client, serving_routes
from tests.common.orgs import Org, new_key, new_org
from tests.common.waiting import eventually

RUN = "/api/v1/test/orders/run"
OTHER_RUN = "/api/v1/test/orders/other-run"
CANCEL = "/api/v1/test/orders/cancel"
PLAIN = "/api/v1/test/orders/plain"
REPLAYED = "Idempotency-Replayed"

calls: Counter[str] = Counter()
gates: dict[str, asyncio.Event] = {}


class Order(BaseModel):
    note: str
    outcome: str = "ok"


async def _order(_request: web.Request, payload: dict[str, Any]) -> dict[str, Any]:
    order = Order.model_validate(payload["data"])
    calls[order.note] += 1
    run = calls[order.note]
    first = run == 1
    if order.outcome == "refuse":
        raise Conflict("refused on purpose")
    if order.outcome == "flaky" and first:
        raise RekomiError("the owner did not answer", code="upstream_unavailable")
    if order.outcome == "crash" and first:
        raise RuntimeError("the view crashed")
    if order.outcome == "wait" and first:
        await gates[order.note].wait()
    return {"note": order.note, "run": run, "orgId": payload["orgId"]}


def _route(path: str, *, idempotent: bool = True, status: int = 201) -> Route:
    return Route("POST", path, None, "Test order", "Test", body=Order, local=_order,
                 operation=f"test.{path.rsplit('/', 1)[1]}", idempotent=idempotent,
                 status=status)


ROUTES = [_route(RUN), _route(OTHER_RUN), _route(CANCEL, status=204),
          _route(PLAIN, idempotent=False)]


def serving(**settings: Any) -> AbstractAsyncContextManager[Client]:
    return serving_routes(ROUTES, **settings)


@pytest.fixture(scope="module")
async def client(migrated: None) -> AsyncIterator[Client]:
    async with serving() as running:
        yield running


@pytest.fixture
async def org(migrated: None) -> Org:
    return await new_org()


@pytest.fixture
def note() -> str:
    return uuid.uuid4().hex


@dataclass
class Answer:
    status: int
    headers: CIMultiDictProxy[str]
    body: bytes

    @property
    def json(self) -> Any:
        return jsonutil.loads(self.body)

    @property
    def replayed(self) -> bool:
        return self.headers.get(REPLAYED) == "true"


async def post(client: Client, path: str, body: dict[str, Any], *, auth: dict[str, str],
               key: str | None = None) -> Answer:
    headers = {**auth, "Content-Type": "application/json"}
    if key is not None:
        headers["Idempotency-Key"] = key
    async with client.post(path, data=jsonutil.dumps(body), headers=headers) as response:
        return Answer(response.status, response.headers, await response.read())


async def stored_keys(db: asyncpg.Connection, org: Org) -> dict[str, str]:
    rows = await db.fetch("SELECT key, state FROM gateway.idempotency_keys WHERE org_id = $1",
                          uuid.UUID(org.org_id))
    return {row["key"]: row["state"] for row in rows}


def new_idempotency_key() -> str:
    return str(uuid.uuid4())


async def test_the_same_request_again_gets_the_stored_answer_and_does_not_run(
        client: Client, org: Org, note: str, db: asyncpg.Connection) -> None:
    key = new_idempotency_key()
    first = await post(client, RUN, {"note": note}, auth=org.auth, key=key)
    again = await post(client, RUN, {"note": note}, auth=org.auth, key=key)

    assert (first.status, first.json["run"], first.replayed) == (201, 1, False)
    assert REPLAYED not in first.headers
    assert (again.status, again.body, again.replayed) == (201, first.body, True)
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    assert calls[note] == 1
    assert await stored_keys(db, org) == {key: "done"}


async def test_without_a_key_or_on_a_route_that_is_not_idempotent_nothing_changes(
        client: Client, org: Org, note: str, db: asyncpg.Connection) -> None:
    key = new_idempotency_key()
    answers = [await post(client, RUN, {"note": note}, auth=org.auth),
               await post(client, RUN, {"note": note}, auth=org.auth),
               await post(client, PLAIN, {"note": note}, auth=org.auth, key=key),
               await post(client, PLAIN, {"note": note}, auth=org.auth, key=key)]

    assert [(a.status, a.json["run"], a.replayed) for a in answers] == [
        (201, run, False) for run in (1, 2, 3, 4)]
    assert await stored_keys(db, org) == {}


async def test_the_key_with_another_body_or_route_is_409_reused(
        client: Client, org: Org, note: str) -> None:
    key = new_idempotency_key()
    first = await post(client, RUN, {"note": note}, auth=org.auth, key=key)
    refusals = [await post(client, RUN, {"note": note, "outcome": "refuse"}, auth=org.auth,
                           key=key),
                await post(client, OTHER_RUN, {"note": note}, auth=org.auth, key=key)]

    for refused in refusals:
        assert refused.status == 409
        assert refused.json["error"] == "idempotency_key_reused"
        assert refused.json["field"] == "Idempotency-Key"
        assert "another request" in refused.json["message"]
    assert calls[note] == 1
    again = await post(client, RUN, {"note": note}, auth=org.auth, key=key)
    assert (again.body, again.replayed) == (first.body, True)


async def test_a_request_while_the_first_still_runs_is_409_in_progress(
        client: Client, org: Org, note: str) -> None:
    key = new_idempotency_key()
    gates[note] = asyncio.Event()
    body = {"note": note, "outcome": "wait"}
    running = asyncio.create_task(post(client, RUN, body, auth=org.auth, key=key))
    await eventually(lambda: _true(calls[note] == 1), what="the first run started")

    second = await post(client, RUN, body, auth=org.auth, key=key)
    gates[note].set()
    first = await running
    third = await post(client, RUN, body, auth=org.auth, key=key)

    assert (second.status, second.json["error"]) == (409, "idempotency_request_in_progress")
    assert (first.status, first.json["run"], first.replayed) == (201, 1, False)
    assert (third.status, third.body, third.replayed) == (201, first.body, True)
    assert calls[note] == 1


async def test_concurrent_requests_with_one_key_run_once(
        client: Client, org: Org, note: str) -> None:
    key = new_idempotency_key()
    answers = await asyncio.gather(*(post(client, RUN, {"note": note}, auth=org.auth, key=key)
                                     for _ in range(8)))

    ran = [a for a in answers if a.status == 201 and not a.replayed]
    assert len(ran) == 1
    for other in answers:
        if other is not ran[0]:
            assert (other.status, other.replayed) == (201, True) or (
                other.status, other.json["error"]) == (409, "idempotency_request_in_progress")
            assert other.status == 409 or other.body == ran[0].body
    assert calls[note] == 1


@pytest.mark.parametrize(("outcome", "status", "error"), [
    ("flaky", 503, "upstream_unavailable"), ("crash", 500, "internal_error")])
async def test_a_5xx_frees_the_key_and_the_retry_runs(
        client: Client, org: Org, note: str, db: asyncpg.Connection, outcome: str,
        status: int, error: str) -> None:
    key = new_idempotency_key()
    body = {"note": note, "outcome": outcome}
    failed = await post(client, RUN, body, auth=org.auth, key=key)
    assert (failed.status, failed.json["error"]) == (status, error)
    assert await stored_keys(db, org) == {}

    retried = await post(client, RUN, body, auth=org.auth, key=key)
    again = await post(client, RUN, body, auth=org.auth, key=key)
    assert (retried.status, retried.json["run"], retried.replayed) == (201, 2, False)
    assert (again.body, again.replayed) == (retried.body, True)
    assert calls[note] == 2


async def test_a_4xx_answer_is_kept_and_replayed(client: Client, org: Org, note: str) -> None:
    key = new_idempotency_key()
    body = {"note": note, "outcome": "refuse"}
    first = await post(client, RUN, body, auth=org.auth, key=key)
    again = await post(client, RUN, body, auth=org.auth, key=key)

    assert (first.status, first.json["error"], first.replayed) == (409, "conflict", False)
    assert (again.status, again.body, again.replayed) == (409, first.body, True)
    assert calls[note] == 1


async def test_a_204_is_replayed_without_a_body(client: Client, org: Org, note: str) -> None:
    key = new_idempotency_key()
    first = await post(client, CANCEL, {"note": note}, auth=org.auth, key=key)
    again = await post(client, CANCEL, {"note": note}, auth=org.auth, key=key)

    assert (first.status, first.body, first.replayed) == (204, b"", False)
    assert (again.status, again.body, again.replayed) == (204, b"", True)
    assert calls[note] == 1


async def test_keys_are_per_org(client: Client, org: Org, note: str) -> None:
    other = await new_org()
    key = new_idempotency_key()
    mine = await post(client, RUN, {"note": note}, auth=org.auth, key=key)
    theirs = await post(client, RUN, {"note": note}, auth=other.auth, key=key)
    replays = [await post(client, RUN, {"note": note}, auth=o.auth, key=key)
               for o in (org, other)]

    assert (mine.status, mine.replayed, theirs.status, theirs.replayed) == (201, False, 201,
                                                                           False)
    assert (mine.json["orgId"], theirs.json["orgId"]) == (org.org_id, other.org_id)
    assert [(r.body, r.replayed) for r in replays] == [(mine.body, True), (theirs.body, True)]
    assert calls[note] == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "two words", "tab\tinside"])
async def test_a_malformed_key_is_400_and_touches_nothing(
        client: Client, org: Org, note: str, db: asyncpg.Connection, key: str) -> None:
    refused = await post(client, RUN, {"note": note}, auth=org.auth, key=key)

    assert refused.status == 400
    assert (refused.json["error"], refused.json["field"]) == ("validation_failed",
                                                              "Idempotency-Key")
    assert calls[note] == 0
    assert await stored_keys(db, org) == {}


async def test_requests_refused_by_the_gates_never_touch_the_key_table(
        client: Client, org: Org, note: str, db: asyncpg.Connection) -> None:
    key = new_idempotency_key()
    unauthenticated = await post(client, RUN, {"note": note}, auth={}, key=key)
    read_only = await post(client, RUN, {"note": note}, auth=await new_key(org, "read"),
                           key=key)
    invalid_body = await post(client, RUN, {"outcome": "ok"}, auth=org.auth, key=key)

    assert [unauthenticated.status, read_only.status, invalid_body.status] == [401, 403, 400]
    assert calls[note] == 0
    assert await db.fetchval("SELECT count(*) FROM gateway.idempotency_keys WHERE key = $1",
                             key) == 0


async def test_a_rate_limited_request_never_touches_the_key_table(
        org: Org, note: str, db: asyncpg.Connection) -> None:
    allowed, limited = new_idempotency_key(), new_idempotency_key()
    async with serving(rate_limit_per_minute=1) as strict:
        first = await post(strict, RUN, {"note": note}, auth=org.auth, key=allowed)
        second = await post(strict, RUN, {"note": note + "-2"}, auth=org.auth, key=limited)

    assert (first.status, second.status, second.json["error"]) == (201, 429, "rate_limited")
    assert calls[note + "-2"] == 0
    assert await stored_keys(db, org) == {allowed: "done"}


async def test_after_the_window_the_same_key_runs_again(
        org: Org, note: str, db: asyncpg.Connection) -> None:
    key = new_idempotency_key()
    async with serving(idempotency_window_seconds=0.5) as short:
        first = await post(short, RUN, {"note": note}, auth=org.auth, key=key)
        replay = await post(short, RUN, {"note": note}, auth=org.auth, key=key)
        await asyncio.sleep(0.6)
        assert await stored_keys(db, org) == {key: "done"}  # expired, not yet purged
        later = await post(short, RUN, {"note": note, "outcome": "other body"}, auth=org.auth,
                           key=key)
        replay_of_later = await post(short, RUN, {"note": note, "outcome": "other body"},
                                     auth=org.auth, key=key)

    assert [(a.status, a.json["run"], a.replayed) for a in (first, replay, later,
                                                             replay_of_later)] == [
        (201, 1, False), (201, 1, True), (201, 2, False), (201, 2, True)]


async def test_an_in_flight_key_whose_lease_ran_out_is_taken_over(
        org: Org, note: str) -> None:
    """As when a gateway dies mid-request; the late first request cannot overwrite the answer
    of the one that took its key over."""
    key = new_idempotency_key()
    gates[note] = asyncio.Event()
    body = {"note": note, "outcome": "wait"}
    async with serving(idempotency_lease_seconds=0.3) as short:
        stuck = asyncio.create_task(post(short, RUN, body, auth=org.auth, key=key))
        await eventually(lambda: _true(calls[note] == 1), what="the first run started")
        during = await post(short, RUN, body, auth=org.auth, key=key)
        await asyncio.sleep(0.35)
        taken_over = await post(short, RUN, body, auth=org.auth, key=key)
        gates[note].set()
        late = await stuck
        replay = await post(short, RUN, body, auth=org.auth, key=key)

    assert (during.status, during.json["error"]) == (409, "idempotency_request_in_progress")
    assert (taken_over.status, taken_over.json["run"], taken_over.replayed) == (201, 2, False)
    assert (late.status, late.json["run"]) == (201, 1)
    assert (replay.body, replay.replayed) == (taken_over.body, True)
    assert calls[note] == 2


async def test_the_gateway_purges_keys_older_than_the_window(
        org: Org, note: str, db: asyncpg.Connection) -> None:
    key = new_idempotency_key()
    async with serving(idempotency_window_seconds=0.2,
                       idempotency_purge_interval_seconds=0.1) as short:
        await post(short, RUN, {"note": note}, auth=org.auth, key=key)
        assert await stored_keys(db, org) == {key: "done"}
        await eventually(lambda: _gone(db, org), what="the key purged")


async def test_the_purge_takes_batches_of_expired_keys_only(
        client: Client, settings: Settings, org: Org, note: str, db: asyncpg.Connection
) -> None:
    keys = [new_idempotency_key() for _ in range(3)]
    for key in keys:
        assert (await post(client, RUN, {"note": note}, auth=org.auth, key=key)).status == 201
    await db.execute("UPDATE gateway.idempotency_keys SET created_at = created_at - "
                     "interval '2 hours' WHERE org_id = $1 AND key = ANY($2)",
                     uuid.UUID(org.org_id), keys[:2])
    pool = await create_pool(settings.database_url, "gateway", min_size=1, max_size=2)
    try:
        window = timedelta(hours=1)
        rounds = []  # every expired key in the database, one per round
        while purged := await purge_expired(pool, now=now_utc(), window=window, batch=1):
            rounds.append(purged)
        assert set(rounds) == {1} and len(rounds) >= 2
    finally:
        await pool.close()
    assert await stored_keys(db, org) == {keys[2]: "done"}


async def _gone(db: asyncpg.Connection, org: Org) -> bool | None:
    return True if await stored_keys(db, org) == {} else None


async def _true(condition: bool) -> bool | None:
    return True if condition else None
