"""The event consumer against the real PostgreSQL: a burst is narrowed to its subscribed
(org, type) pairs by one query before any validation or transaction, without changing which
deliveries are created, and a malformed event still fails the burst."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from pydantic import ValidationError

from libs.contracts.events import DomainEvent
from libs.contracts.webhooks import WebhookCreate
from libs.shared.db import create_pool
from libs.shared.settings import Settings
from services.webhooks.adapters.endpoints_repository import EndpointsRepository
from services.webhooks.domain import endpoints as domain
from services.webhooks.service_layer import deliveries as service

SALE = "conversion.created"


@pytest.fixture
async def pool(settings: Settings, migrated: None) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(settings.database_url, "webhooks", max_size=4)
    yield pool
    await pool.close()


@dataclasses.dataclass
class Spies:
    validated: int = 0
    fanned_out: list[list[DomainEvent]] = dataclasses.field(default_factory=list)


@pytest.fixture
def spies(monkeypatch: pytest.MonkeyPatch) -> Spies:
    """Counts the consumer's pydantic validations and records what reaches the transaction."""
    spies = Spies()

    class CountedEvent(DomainEvent):
        @classmethod
        def model_validate(cls, obj: Any, **kwargs: Any) -> CountedEvent:
            spies.validated += 1
            return super().model_validate(obj, **kwargs)

    original = service.fan_out_many

    async def fan_out_many(pool: asyncpg.Pool, events: list[DomainEvent]) -> int:
        spies.fanned_out.append(list(events))
        return await original(pool, events)

    monkeypatch.setattr(service, "DomainEvent", CountedEvent)
    monkeypatch.setattr(service, "fan_out_many", fan_out_many)
    return spies


async def _endpoint(pool: asyncpg.Pool, org_id: uuid.UUID, events: list[str],
                    **changes: Any) -> domain.Endpoint:
    endpoint = domain.new_endpoint(org_id, WebhookCreate(url="http://127.0.0.1:9/h",
                                                         events=events),
                                   endpoint_id=uuid.uuid4(), now=datetime.now(UTC))
    endpoint = dataclasses.replace(endpoint, **changes)
    async with pool.acquire() as conn:
        await EndpointsRepository(conn).add(endpoint)
    return endpoint


def _body(org_id: uuid.UUID, event_type: str = SALE) -> dict[str, Any]:
    event = DomainEvent(id=uuid.uuid4(), type=event_type, org_id=org_id,
                        created_at=datetime.now(UTC), data={"amount": 1})
    return event.model_dump(mode="json", by_alias=True)


async def _delivered(pool: asyncpg.Pool, org_ids: list[uuid.UUID]) -> set[tuple[str, str]]:
    """(endpoint id, event id) of every delivery of these orgs."""
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT endpoint_id, event_id FROM deliveries "
                                "WHERE org_id = ANY($1::uuid[])", org_ids)
    return {(str(r["endpoint_id"]), str(r["event_id"])) for r in rows}


async def test_pairs_follow_the_subscription_rules(pool: asyncpg.Pool) -> None:
    """The same answer as ``subscribed`` for every pair: active only, the type or '*', and an
    org's endpoints never subscribe another org."""
    typed, wildcard, inactive, silent = (uuid.uuid4() for _ in range(4))
    await _endpoint(pool, typed, [SALE, "payout.paid"])
    await _endpoint(pool, wildcard, ["*"])
    await _endpoint(pool, inactive, ["*"], is_active=False)
    pairs = {(org, kind) for org in (typed, wildcard, inactive, silent)
             for kind in (SALE, "payout.paid", "lead.created")}
    async with pool.acquire() as conn:
        repo = EndpointsRepository(conn)
        expected = {p for p in pairs if await repo.subscribed(*p)}
        assert await repo.subscribed_pairs(pairs) == expected
    assert expected == {(typed, SALE), (typed, "payout.paid"), (wildcard, SALE),
                        (wildcard, "payout.paid"), (wildcard, "lead.created")}
    assert await service.subscribed_pairs(pool, set()) == set()


async def test_a_burst_nobody_subscribes_to_is_neither_validated_nor_fanned_out(
        pool: asyncpg.Pool, spies: Spies) -> None:
    silent = [uuid.uuid4(), uuid.uuid4()]
    other = uuid.uuid4()
    await _endpoint(pool, other, ["payout.paid"])  # another type of another org: no match
    burst = [_body(org) for org in silent for _ in range(25)]
    burst.append(_body(other))
    assert await service.fan_out_bodies(pool, burst) == 0
    assert spies.validated == 0
    assert spies.fanned_out == []
    assert await _delivered(pool, [*silent, other]) == set()


async def test_a_mixed_burst_fans_out_only_the_subscribed_events(pool: asyncpg.Pool,
                                                                 spies: Spies) -> None:
    """The subscribed events get exactly the deliveries a fan-out of the whole burst gives."""
    subscribed, silent = uuid.uuid4(), uuid.uuid4()
    a = await _endpoint(pool, subscribed, [SALE])
    b = await _endpoint(pool, subscribed, ["*"])
    await _endpoint(pool, subscribed, ["payout.paid"])
    await _endpoint(pool, subscribed, ["*"], is_active=False)
    bodies = [_body(silent), _body(subscribed), _body(silent), _body(subscribed),
              _body(subscribed, "lead.created")]
    assert await service.fan_out_bodies(pool, bodies) == 5

    sale_ids, lead_id = [bodies[1]["id"], bodies[3]["id"]], bodies[4]["id"]
    assert await _delivered(pool, [subscribed, silent]) == {
        *((str(e.id), i) for e in (a, b) for i in sale_ids), (str(b.id), lead_id)}
    assert spies.validated == 3
    assert [[str(e.id) for e in batch] for batch in spies.fanned_out] == [
        [*sale_ids, lead_id]]
    # The whole burst through the unfiltered path finds nothing more to add.
    everything = [DomainEvent.model_validate(b) for b in bodies]
    assert await service.fan_out_many(pool, everything) == 0


async def test_an_unusual_but_valid_body_is_validated_and_still_fanned_out(
        pool: asyncpg.Pool, spies: Spies) -> None:
    """The quick read only knows the canonical shape; the rest takes the full validation."""
    org_id = uuid.uuid4()
    endpoint = await _endpoint(pool, org_id, ["*"])
    snake = _body(org_id)
    snake["org_id"] = snake.pop("orgId")
    upper = _body(org_id)
    upper["orgId"] = upper["orgId"].upper()
    assert await service.fan_out_bodies(pool, [snake, upper]) == 2
    assert await _delivered(pool, [org_id]) == {(str(endpoint.id), snake["id"]),
                                                (str(endpoint.id), upper["id"])}
    assert spies.validated == 2


# Each takes (a subscribed org, a silent org): a body that cannot be read must fail the burst
# even when its org has no endpoint, so most use the silent one.
def _missing_org(_subscribed: uuid.UUID, silent: uuid.UUID) -> Any:
    body = _body(silent)
    del body["orgId"]
    return body


def _missing_type(_subscribed: uuid.UUID, silent: uuid.UUID) -> Any:
    body = _body(silent)
    del body["type"]
    return body


def _bad_uuid(_subscribed: uuid.UUID, silent: uuid.UUID) -> Any:
    return {**_body(silent), "orgId": "not-a-uuid"}


def _stray_hyphens(_subscribed: uuid.UUID, silent: uuid.UUID) -> Any:
    """uuid.UUID reads this one; pydantic does not."""
    return {**_body(silent), "orgId": "-".join(silent.hex[i:i + 4] for i in range(0, 32, 4))}


def _not_a_dict(_subscribed: uuid.UUID, silent: uuid.UUID) -> Any:
    return [str(silent)]


def _bad_date_subscribed(subscribed: uuid.UUID, _silent: uuid.UUID) -> Any:
    return {**_body(subscribed), "createdAt": "yesterday"}


@pytest.mark.parametrize("malformed", [_missing_org, _missing_type, _bad_uuid, _stray_hyphens,
                                       _not_a_dict, _bad_date_subscribed])
async def test_a_malformed_body_fails_the_burst(pool: asyncpg.Pool, spies: Spies,
                                                malformed: Any) -> None:
    """So the bus retries the burst one by one and dead-letters the poison event."""
    subscribed, silent = uuid.uuid4(), uuid.uuid4()
    await _endpoint(pool, subscribed, ["*"])
    burst = [_body(subscribed), _body(silent), malformed(subscribed, silent)]
    with pytest.raises(ValidationError):
        await service.fan_out_bodies(pool, burst)
    assert spies.fanned_out == []
    assert await _delivered(pool, [subscribed, silent]) == set()
