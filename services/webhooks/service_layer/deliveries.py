"""Delivery use cases: fanning an event out to the subscribed endpoints, the test event, the
delivery log and manual resends. New or re-armed deliveries wake the dispatchers (NOTIFY)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

import asyncpg

from libs.contracts.events import DomainEvent
from libs.contracts.webhooks import (
    DeliveryList,
    DeliveryResponse,
    ListDeliveries,
    ResendDelivery,
    SendTest,
)
from libs.shared.clock import now_utc
from libs.shared.db import Conn
from libs.shared.ids import new_id, new_ulid
from libs.shared.pagination import PageRequest, decode_cursor, page_of
from libs.shared.uow import unit_of_work
from services.webhooks.adapters.deliveries_repository import DeliveriesRepository, cursor_of
from services.webhooks.adapters.endpoints_repository import EndpointsRepository
from services.webhooks.domain import deliveries as domain
from services.webhooks.domain.endpoints import Endpoint
from services.webhooks.domain.errors import DeliveryNotFound, WebhookInactive, WebhookNotFound
from services.webhooks.service_layer.endpoints import locked

WAKE_CHANNEL = "rekomi_webhooks"
TEST_EVENT = "webhook.test"


async def wake_dispatchers(conn: Conn) -> None:
    await conn.execute("SELECT pg_notify($1, '')", WAKE_CHANNEL)


def _delivery_for(endpoint: Endpoint, event: DomainEvent, body: str, now: datetime
                  ) -> domain.Delivery:
    return domain.new_delivery(delivery_id=new_ulid(), org_id=event.org_id,
                               endpoint_id=endpoint.id, event_id=event.id,
                               event_type=event.type, body=body, now=now)


async def fan_out(pool: asyncpg.Pool, event: DomainEvent) -> int:
    """One delivery per subscribed endpoint, stored before any attempt; a redelivered event
    finds its (endpoint, event) rows and adds none. Returns how many are new."""
    return await fan_out_many(pool, [event])


Pair = tuple[uuid.UUID, str]  # (org, event type)


async def subscribed_pairs(pool: asyncpg.Pool, pairs: Collection[Pair]) -> set[Pair]:
    """The (org, event type) pairs with a subscriber right now. Outside a transaction: it only
    lets a consumer skip events ``fan_out_many`` would find no endpoint for, and that one
    reads the subscriptions again under its own transaction."""
    if not pairs:
        return set()
    async with pool.acquire() as conn:
        return await EndpointsRepository(conn).subscribed_pairs(pairs)


async def fan_out_many(pool: asyncpg.Pool, events: list[DomainEvent]) -> int:
    """``fan_out`` for a burst of events in one transaction (an import or a busy S2S second
    publishes thousands); each org's endpoints are read once per event type."""
    now = now_utc()
    async with unit_of_work(pool) as tx:
        repo = EndpointsRepository(tx.conn)
        subscribed: dict[tuple[uuid.UUID, str], list[Endpoint]] = {}
        deliveries: list[domain.Delivery] = []
        for event in events:
            key = (event.org_id, event.type)
            if key not in subscribed:
                subscribed[key] = await repo.subscribed(event.org_id, event.type)
            if not subscribed[key]:
                continue
            body = domain.event_body(event.id, event.type, event.created_at, event.data)
            deliveries += [_delivery_for(e, event, body, now) for e in subscribed[key]]
        added = await DeliveriesRepository(tx.conn).add_many(deliveries) if deliveries else 0
        if added:
            await wake_dispatchers(tx.conn)
    return added


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


async def fan_out_bodies(pool: asyncpg.Pool, bodies: list[Any]) -> int:
    """``fan_out_many`` for the event bodies of a burst (as the bus hands them over) whose
    (org, type) has a subscriber: most have none (an S2S second publishes thousands of
    ``conversion.created`` for orgs without endpoints), so one query narrows the burst before
    any validation or transaction. Returns how many deliveries were added."""
    paired = [(_pair_of(body), body) for body in bodies]
    wanted = await subscribed_pairs(pool, {pair for (pair, _), _ in paired})
    events = [event or DomainEvent.model_validate(body)
              for (pair, event), body in paired if pair in wanted]
    return await fan_out_many(pool, events) if events else 0


async def send_test(pool: asyncpg.Pool, cmd: SendTest) -> DeliveryResponse:
    """A ``webhook.test`` event to this endpoint only; answers with its delivery."""
    now = now_utc()
    async with unit_of_work(pool) as tx:
        endpoint = await locked(EndpointsRepository(tx.conn), cmd.org_id, cmd.endpoint_id)
        if not endpoint.is_active:
            raise WebhookInactive("the webhook is not active; set isActive to true first")
        event = DomainEvent(id=new_id(), type=TEST_EVENT, org_id=cmd.org_id, created_at=now,
                            data={"webhookId": str(endpoint.id),
                                  "message": "A test event sent from the Rekomi API."})
        body = domain.event_body(event.id, event.type, event.created_at, event.data)
        delivery = _delivery_for(endpoint, event, body, now)
        await DeliveriesRepository(tx.conn).add_many([delivery])
        await wake_dispatchers(tx.conn)
    return domain.to_response(delivery)


async def list_deliveries(pool: asyncpg.Pool, cmd: ListDeliveries) -> DeliveryList:
    page = PageRequest(take=cmd.take, after=decode_cursor(cmd.cursor))
    async with pool.acquire() as conn:
        if await EndpointsRepository(conn).get(cmd.org_id, cmd.endpoint_id) is None:
            raise WebhookNotFound("webhook not found")
        rows = await DeliveriesRepository(conn).page(
            cmd.org_id, cmd.endpoint_id, page, status=cmd.status, event_type=cmd.event_type)
    items, next_cursor, has_more = page_of(rows, cmd.take, cursor_of)
    return DeliveryList(items=[domain.to_response(d) for d in items], next_cursor=next_cursor,
                        has_more=has_more)


async def resend_delivery(pool: asyncpg.Pool, cmd: ResendDelivery) -> DeliveryResponse:
    """Another attempt of the same delivery (same id and body), due now."""
    now = now_utc()
    async with unit_of_work(pool) as tx:
        repo = DeliveriesRepository(tx.conn)
        current = await repo.get(cmd.org_id, cmd.delivery_id, lock=True)
        if current is None:
            raise DeliveryNotFound("delivery not found")
        endpoint = await locked(EndpointsRepository(tx.conn), cmd.org_id, current.endpoint_id)
        if not endpoint.is_active:
            raise WebhookInactive("the webhook is not active; set isActive to true first")
        again = domain.resend(current, now=now)
        await repo.save(again)
        await tx.audit(org_id=cmd.org_id, actor=cmd.actor, action="webhook.delivery_resent",
                       entity_type="webhook", entity_id=str(endpoint.id), before=None,
                       after={"deliveryId": again.id}, created_at=now)
        await wake_dispatchers(tx.conn)
    return domain.to_response(again)
