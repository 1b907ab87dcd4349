"""Conversion reads for the brand: the cursor list with filters and one row with its timeline."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg

from libs.contracts import conversions as contract
from libs.shared.pagination import decode_cursor, page_of
from services.ledger.conversions.adapters.repository import (
    ConversionFilter,
    ConversionsRepository,
    cursor_of,
)
from services.ledger.conversions.domain import model as domain
from services.ledger.domain.errors import ConversionNotFound


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None \
        else moment


def filter_of(org_id: uuid.UUID, asked: contract.ConversionFilters) -> ConversionFilter:
    """The list's and the CSV export's filter (a moment without a zone is UTC)."""
    return ConversionFilter(org_id=org_id, affiliate_id=asked.affiliate_id,
                            program_id=asked.program_id,
                            status=asked.status.value if asked.status else None,
                            since=_utc(asked.since), until=_utc(asked.until))


async def list_conversions(pool: asyncpg.Pool, cmd: contract.ListConversions
                           ) -> contract.ConversionList:
    async with pool.acquire() as conn:
        rows = await ConversionsRepository(conn).page(
            filter_of(cmd.org_id, cmd), decode_cursor(cmd.cursor), cmd.take + 1)
    items, next_cursor, has_more = page_of(rows, cmd.take, cursor_of)
    return contract.ConversionList(items=[domain.to_response(c) for c in items],
                                   next_cursor=next_cursor, has_more=has_more)


async def get_conversion(pool: asyncpg.Pool, cmd: contract.GetConversion
                         ) -> contract.ConversionDetail:
    async with pool.acquire() as conn:
        repo = ConversionsRepository(conn)
        conversion = await repo.get(cmd.org_id, cmd.conversion_id)
        if conversion is None:
            raise ConversionNotFound("conversion not found")
        if conversion.stripe_subscription_id and conversion.parent_affiliate_conversion_id is None:
            # Any sale of a subscription shows the subscription's whole timeline.
            events = await repo.subscription_events(conversion.org_id,
                                                    conversion.stripe_subscription_id)
        else:
            events = await repo.events(conversion.id)
    return contract.ConversionDetail(**dict(domain.to_response(conversion)),
                                     events=[domain.event_response(e) for e in events])
