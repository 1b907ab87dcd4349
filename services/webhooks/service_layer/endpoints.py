"""Endpoint use cases: each is one unit of work, audited through the outbox."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from libs.contracts.webhooks import (
    CreateWebhook,
    DeleteWebhook,
    GetWebhook,
    ListWebhooks,
    RotateSecret,
    SecretRotated,
    UpdateWebhook,
    WebhookCreated,
    WebhookList,
    WebhookResponse,
)
from libs.shared.clock import now_utc
from libs.shared.ids import new_id
from libs.shared.pagination import PageRequest, decode_cursor, page_of
from libs.shared.uow import Transaction, unit_of_work
from services.webhooks.adapters.endpoints_repository import EndpointsRepository, cursor_of
from services.webhooks.adapters.safe_resolver import UrlPolicy
from services.webhooks.domain import endpoints as domain
from services.webhooks.domain.errors import WebhookNotFound


async def locked(repo: EndpointsRepository, org_id: uuid.UUID, endpoint_id: uuid.UUID
                 ) -> domain.Endpoint:
    """The endpoint, row-locked for the rest of the unit of work, or a 404."""
    endpoint = await repo.get(org_id, endpoint_id, lock=True)
    if endpoint is None:
        raise WebhookNotFound("webhook not found")
    return endpoint


async def _audit(tx: Transaction, cmd: DeleteWebhook | CreateWebhook | UpdateWebhook,
                 action: str, endpoint_id: uuid.UUID, before: WebhookResponse | None,
                 after: WebhookResponse | None, now: datetime) -> None:
    await tx.audit(org_id=cmd.org_id, actor=cmd.actor, action=action, entity_type="webhook",
                   entity_id=str(endpoint_id), before=before, after=after, created_at=now)


async def get_webhook(pool: asyncpg.Pool, cmd: GetWebhook) -> WebhookResponse:
    async with pool.acquire() as conn:
        endpoint = await EndpointsRepository(conn).get(cmd.org_id, cmd.endpoint_id)
    if endpoint is None:
        raise WebhookNotFound("webhook not found")
    return domain.to_response(endpoint)


async def list_webhooks(pool: asyncpg.Pool, cmd: ListWebhooks) -> WebhookList:
    page = PageRequest(take=cmd.take, after=decode_cursor(cmd.cursor))
    async with pool.acquire() as conn:
        rows = await EndpointsRepository(conn).page(cmd.org_id, page)
    items, next_cursor, has_more = page_of(rows, cmd.take, cursor_of)
    return WebhookList(items=[domain.to_response(e) for e in items], next_cursor=next_cursor,
                       has_more=has_more)


async def create_webhook(pool: asyncpg.Pool, cmd: CreateWebhook, *, urls: UrlPolicy
                         ) -> WebhookCreated:
    await urls.check(cmd.data.url)
    now = now_utc()
    endpoint = domain.new_endpoint(cmd.org_id, cmd.data, endpoint_id=new_id(), now=now)
    after = domain.to_response(endpoint)
    async with unit_of_work(pool) as tx:
        await EndpointsRepository(tx.conn).add(endpoint)
        await _audit(tx, cmd, "webhook.created", endpoint.id, None, after, now)
    return WebhookCreated(**dict(after), secret=endpoint.secret)


async def update_webhook(pool: asyncpg.Pool, cmd: UpdateWebhook, *, urls: UrlPolicy
                         ) -> WebhookResponse:
    changes = {name: getattr(cmd.data, name) for name in cmd.data.model_fields_set}
    if "url" in changes:
        await urls.check(changes["url"])
    now = now_utc()
    async with unit_of_work(pool) as tx:
        repo = EndpointsRepository(tx.conn)
        current = await locked(repo, cmd.org_id, cmd.endpoint_id)
        updated = domain.apply_patch(current, changes, now=now)
        if updated is current:
            return domain.to_response(current)
        await repo.save(updated)
        after = domain.to_response(updated)
        await _audit(tx, cmd, "webhook.updated", updated.id, domain.to_response(current),
                     after, now)
    return after


async def delete_webhook(pool: asyncpg.Pool, cmd: DeleteWebhook) -> None:
    """Removes the endpoint and its delivery log; in-flight attempts finish unrecorded."""
    now = now_utc()
    async with unit_of_work(pool) as tx:
        repo = EndpointsRepository(tx.conn)
        current = await locked(repo, cmd.org_id, cmd.endpoint_id)
        await repo.delete(cmd.org_id, cmd.endpoint_id)
        await _audit(tx, cmd, "webhook.deleted", current.id, domain.to_response(current), None,
                     now)


async def rotate_secret(pool: asyncpg.Pool, cmd: RotateSecret) -> SecretRotated:
    now = now_utc()
    async with unit_of_work(pool) as tx:
        repo = EndpointsRepository(tx.conn)
        current = await locked(repo, cmd.org_id, cmd.endpoint_id)
        rotated = domain.rotate(current, now=now)
        await repo.save(rotated)
        await _audit(tx, cmd, "webhook.secret_rotated", rotated.id, None, None, now)
    assert rotated.previous_secret_expires_at is not None  # rotation always sets it
    return SecretRotated(secret=rotated.secret,
                         previous_secret_expires_at=rotated.previous_secret_expires_at)
