"""The event consumer: every catalogued domain event (bar the test event) is fanned out to the
org's subscribed endpoints, a burst at a time. The bus acks on return, retries a failed burst
message by message, and dead-letters after the delivery limit.

Most events have no subscriber (an S2S second publishes thousands of ``conversion.created`` for
orgs without endpoints), so a burst is first narrowed to its subscribed (org, type) pairs by one
query; only those events are validated and fanned out in a transaction."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from libs.contracts.events import EVENT_TYPES, DomainEvent
from libs.shared.bus import Bus, Delivery
from services.webhooks.service_layer.deliveries import TEST_EVENT, fan_out_many, subscribed_pairs

QUEUE = "deliveries"
ROUTING_KEYS = [name for name in EVENT_TYPES if name != TEST_EVENT]

Pair = tuple[uuid.UUID, str]


def _quick_pair(body: Any) -> Pair | None:
    """orgId and type read without pydantic, or None for anything but the canonical shape
    (the full validation then decides whether the body is malformed or just unusual)."""
    if not isinstance(body, dict):
        return None
    org_id, event_type = body.get("orgId"), body.get("type")
    if not isinstance(org_id, str) or not isinstance(event_type, str):
        return None
    try:
        parsed = uuid.UUID(org_id)
    except ValueError:
        return None
    # uuid.UUID takes spellings pydantic refuses (stray hyphens, "uuid:" prefix): only the
    # canonical one may skip validation, or a poison event could be acked instead of retried.
    return (parsed, event_type) if str(parsed) == org_id else None


def _pair_of(body: Any) -> tuple[Pair, DomainEvent | None]:
    """The pair of a body, and its event when reading the pair took the full validation
    (which raises for a malformed body, failing the burst as before)."""
    pair = _quick_pair(body)
    if pair is not None:
        return pair, None
    event = DomainEvent.model_validate(body)
    return (event.org_id, event.type), event


async def fan_out_deliveries(pool: asyncpg.Pool, deliveries: list[Delivery]) -> int:
    """``fan_out_many`` for the events of a burst whose (org, type) has a subscriber; returns
    how many deliveries were added."""
    paired = [(_pair_of(d.body), d) for d in deliveries]
    wanted = await subscribed_pairs(pool, {pair for (pair, _), _ in paired})
    events = [event or DomainEvent.model_validate(d.body)
              for (pair, event), d in paired if pair in wanted]
    return await fan_out_many(pool, events) if events else 0


async def subscribe_events(bus: Bus, pool: asyncpg.Pool) -> None:
    async def on_events(deliveries: list[Delivery]) -> None:
        await fan_out_deliveries(pool, deliveries)

    await bus.subscribe_batch(QUEUE, ROUTING_KEYS, on_events)
