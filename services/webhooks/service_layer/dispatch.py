"""Recording attempts' outcomes: each delivery's next state, the attempt in the log, and the
endpoint's failure streak, which can disable it (410 Gone at once, or 5 days of failures).
The dispatcher records finished attempts in batches (``record_attempts``), one transaction
each; an attempt whose lease was lost meanwhile is left out of its batch."""

from __future__ import annotations

import dataclasses
import random
import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from libs.contracts.common import Actor, ActorType
from libs.contracts.webhooks import DeliveryStatus
from libs.shared.uow import Transaction, unit_of_work
from services.webhooks.adapters.claims import Claimed
from services.webhooks.adapters.deliveries_repository import DeliveriesRepository
from services.webhooks.adapters.endpoints_repository import EndpointsRepository
from services.webhooks.domain import deliveries as domain
from services.webhooks.domain import endpoints
from services.webhooks.domain.schedule import failing_too_long

SYSTEM = Actor(type=ActorType.system)
_RETRIES = 3


@dataclass(frozen=True, slots=True)
class Attempt:
    claimed: Claimed
    outcome: domain.Outcome
    started_at: datetime
    finished_at: datetime
    duration_ms: int


async def record_attempt(pool: asyncpg.Pool, attempt: Attempt, *, scale: float,
                         rand: random.Random | None = None) -> domain.Recorded | None:
    """Store the attempt if this dispatcher still holds the delivery's lease (else another one
    took it over after the lease expired, and its own attempt will be recorded)."""
    return (await record_attempts(pool, [attempt], scale=scale, rand=rand))[0]


async def record_attempts(pool: asyncpg.Pool, attempts: list[Attempt], *, scale: float,
                          rand: random.Random | None = None) -> list[domain.Recorded | None]:
    """Store many finished attempts in one transaction, each only if its lease still stands
    (None in its place otherwise), as if recorded one by one in the order they finished.

    A handful of statements whatever the batch size: one lease-checked update of the
    deliveries, the endpoints that saw a failure (locked), the attempts' log. A deadlock with
    another replica's batch (both touching an endpoint being disabled) is retried.
    """
    for retry in range(_RETRIES):
        try:
            async with unit_of_work(pool) as tx:
                return await _record(tx, attempts, scale=scale, rand=rand)
        except (asyncpg.DeadlockDetectedError, asyncpg.SerializationError):
            if retry == _RETRIES - 1:
                raise
    raise AssertionError("unreachable")


async def _record(tx: Transaction, attempts: list[Attempt], *, scale: float,
                  rand: random.Random | None) -> list[domain.Recorded | None]:
    # The state at claim time is the state now for every lease that still stands (only
    # recording, which ends the lease, changes attempts and delivered_at), so the new states
    # are computed up front and written by one lease-checked update.
    ordered = sorted(attempts, key=lambda a: a.finished_at)
    settled = [(a.claimed.id, a.claimed.token,
                domain.settle(a.claimed.attempts, a.claimed.delivered_at, a.outcome,
                              now=a.finished_at, scale=scale, rand=rand)) for a in ordered]
    repo = DeliveriesRepository(tx.conn)
    stored = await repo.settle_many(settled)
    held = [a for a in ordered if (a.claimed.id, a.claimed.token) in stored]
    disabled = await _track_endpoints(tx, held, scale=scale)
    for key, delivery in stored.items():
        reason = disabled.get(delivery.endpoint_id)
        if reason is not None and delivery.status in domain.OPEN:
            # _disable closed it in the database already (abandon_open)
            stored[key] = dataclasses.replace(delivery, status=DeliveryStatus.Failed,
                                              next_attempt_at=None)
    await repo.add_attempts([(a.claimed.id, a.outcome, a.started_at, a.duration_ms)
                             for a in held])
    return [stored.get((a.claimed.id, a.claimed.token)) for a in attempts]


async def _track_endpoints(tx: Transaction, ordered: list[Attempt], *, scale: float
                           ) -> dict[uuid.UUID, str]:
    """Replay the attempts (in the order they finished) on their endpoints' failure streaks,
    then write each streak once; returns the endpoints this batch disabled, with the reason.

    Endpoints with a failure in the batch are locked first (the streak decides a disable);
    a success alone just clears the streak."""
    repo = EndpointsRepository(tx.conn)
    locked = await repo.lock_many([a.claimed.endpoint_id for a in ordered
                                   if not a.outcome.succeeded])
    streaks: dict[uuid.UUID, datetime | None] = {}
    disabled: dict[uuid.UUID, str] = {}
    for attempt in ordered:
        endpoint_id = attempt.claimed.endpoint_id
        if attempt.outcome.succeeded:
            streaks[endpoint_id] = None
            continue
        endpoint = locked.get(endpoint_id)
        if endpoint is None or endpoint.disabled_at is not None or endpoint_id in disabled:
            continue
        since = streaks.get(endpoint_id, endpoint.failing_since) or attempt.started_at
        now = attempt.finished_at
        reason = (endpoints.GONE if attempt.outcome.gone else
                  endpoints.FAILING if failing_too_long(since, now, scale=scale) else None)
        if reason is not None:
            disabled[endpoint_id] = reason
            streaks.pop(endpoint_id, None)
            await _disable(tx, dataclasses.replace(endpoint, failing_since=since), reason, now)
        else:
            streaks[endpoint_id] = since
    await repo.set_failing_since({k: v for k, v in streaks.items() if k not in disabled})
    return disabled


async def _disable(tx: Transaction, endpoint: endpoints.Endpoint, reason: str,
                   now: datetime) -> None:
    disabled = endpoints.disable(endpoint, reason, now=now)
    await EndpointsRepository(tx.conn).save(disabled)
    await DeliveriesRepository(tx.conn).abandon_open(endpoint.id, f"endpoint disabled: {reason}")
    await tx.audit(org_id=endpoint.org_id, actor=SYSTEM, action="webhook.disabled",
                   entity_type="webhook", entity_id=str(endpoint.id),
                   before=endpoints.to_response(endpoint),
                   after=endpoints.to_response(disabled), created_at=now)
