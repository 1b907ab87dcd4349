"""Recording one attempt's outcome: the delivery's next state, the attempt in the log, and the
endpoint's failure streak, which can disable it (410 Gone at once, or 5 days of failures)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from libs.contracts.common import Actor, ActorType
from libs.shared.uow import Transaction, unit_of_work
from services.webhooks.adapters.claims import Claimed
from services.webhooks.adapters.deliveries_repository import DeliveriesRepository
from services.webhooks.adapters.endpoints_repository import EndpointsRepository
from services.webhooks.domain import deliveries as domain
from services.webhooks.domain import endpoints
from services.webhooks.domain.schedule import failing_too_long

SYSTEM = Actor(type=ActorType.system)


@dataclass(frozen=True, slots=True)
class Attempt:
    claimed: Claimed
    outcome: domain.Outcome
    started_at: datetime
    finished_at: datetime
    duration_ms: int


async def record_attempt(pool: asyncpg.Pool, attempt: Attempt, *, scale: float,
                         rand: random.Random | None = None) -> domain.Delivery | None:
    """Store the attempt if this dispatcher still holds the delivery's lease (else another one
    took it over after the lease expired, and its own attempt will be recorded)."""
    now = attempt.finished_at
    async with unit_of_work(pool) as tx:
        deliveries = DeliveriesRepository(tx.conn)
        current = await deliveries.leased(attempt.claimed.id, attempt.claimed.token)
        if current is None:
            return None
        updated = domain.after_attempt(current, attempt.outcome, now=now, scale=scale, rand=rand)
        await deliveries.save(updated)
        await deliveries.add_attempt(current.id, attempt.outcome, at=attempt.started_at,
                                     duration_ms=attempt.duration_ms)
        await _track_endpoint(tx, attempt, now=now, scale=scale)
    return updated


async def _track_endpoint(tx: Transaction, attempt: Attempt, *, now: datetime,
                          scale: float) -> None:
    if attempt.outcome.succeeded:
        await tx.conn.execute("UPDATE endpoints SET failing_since = NULL "
                              "WHERE id = $1 AND failing_since IS NOT NULL",
                              attempt.claimed.endpoint_id)
        return
    repo = EndpointsRepository(tx.conn)
    endpoint = await repo.lock_by_id(attempt.claimed.endpoint_id)
    if endpoint is None or endpoint.disabled_at is not None:
        return
    failing_since = endpoint.failing_since or attempt.started_at
    if attempt.outcome.gone:
        await _disable(tx, endpoint, endpoints.GONE, now)
    elif failing_too_long(failing_since, now, scale=scale):
        await _disable(tx, endpoint, endpoints.FAILING, now)
    elif endpoint.failing_since is None:
        await tx.conn.execute("UPDATE endpoints SET failing_since = $2 WHERE id = $1",
                              endpoint.id, failing_since)


async def _disable(tx: Transaction, endpoint: endpoints.Endpoint, reason: str,
                   now: datetime) -> None:
    disabled = endpoints.disable(endpoint, reason, now=now)
    await EndpointsRepository(tx.conn).save(disabled)
    await DeliveriesRepository(tx.conn).abandon_open(endpoint.id, f"endpoint disabled: {reason}")
    await tx.audit(org_id=endpoint.org_id, actor=SYSTEM, action="webhook.disabled",
                   entity_type="webhook", entity_id=str(endpoint.id),
                   before=endpoints.to_response(endpoint),
                   after=endpoints.to_response(disabled), created_at=now)
