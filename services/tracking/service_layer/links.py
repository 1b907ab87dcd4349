"""Keep the link index in step with the ledger's affiliate events. Idempotent: applying an
event twice, or an older event after a newer one, leaves the same rows."""

from __future__ import annotations

import logging
import uuid

import asyncpg
from pydantic import BaseModel, Field, ValidationError

from libs.contracts.events import DomainEvent
from services.tracking.adapters.links_repository import LinksRepository
from services.tracking.service_layer.lookups import Lookups

log = logging.getLogger(__name__)

LINK_EVENTS = ["affiliate.created", "affiliate.approved", "affiliate.rejected",
               "affiliate.updated", "affiliate.deleted"]


class _LinkRef(BaseModel):
    slug: str


class _AffiliateLinks(BaseModel):
    """The part of an AffiliateResponse the link index needs."""

    id: uuid.UUID
    program_id: uuid.UUID = Field(alias="programId")
    status: str
    links: list[_LinkRef] = []


async def apply_affiliate_events(pool: asyncpg.Pool, lookups: Lookups,
                                 events: list[DomainEvent]) -> None:
    """Apply a burst of events in one transaction (an import publishes thousands at once)."""
    slugs: list[str] = []
    async with pool.acquire() as conn, conn.transaction():
        repo = LinksRepository(conn)
        for event in events:
            slugs += await _apply(repo, event)
    for slug in slugs:
        lookups.links.forget(slug)


async def _apply(repo: LinksRepository, event: DomainEvent) -> list[str]:
    try:
        data = _AffiliateLinks.model_validate(event.data)
    except ValidationError:
        # Not an affiliate shape (a hand-made test event, a future version): retrying cannot
        # help, so it is logged and acknowledged rather than dead-lettered after 5 tries.
        log.warning("affiliate event without a usable affiliate", extra={"event": str(event.id)})
        return []
    slugs = [link.slug for link in data.links]
    active = event.type != "affiliate.deleted" and data.status == "Approved"
    await repo.upsert(slugs, org_id=event.org_id, program_id=data.program_id,
                      affiliate_id=data.id, active=active, event_at=event.created_at)
    await repo.retire_others(data.id, slugs, event.created_at)
    return slugs
