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
        events = await timeline(repo, conversion)
    return contract.ConversionDetail(**dict(domain.to_response(conversion)),
                                     events=[domain.event_response(e) for e in events])


async def timeline(repo: ConversionsRepository, c: domain.Conversion
                   ) -> list[domain.ConversionEvent]:
    """A subscription's initial sale carries the subscription's history (its renewals and what
    refunded or denied any of its sales), as the reference's example shows: a sale created on
    05-10 whose events hold the 06-10 renewal. Every other row (a renewal, an override, a
    one-time sale) holds its own events only: a renewal's timeline is not its subscription's."""
    subscription = c.stripe_subscription_id
    if subscription and c.parent_affiliate_conversion_id is None:
        initial = await repo.subscription_initial(c.org_id, subscription)
        if initial is not None and initial.id == c.id:
            return await repo.subscription_events(c.org_id, subscription)
    return await repo.events(c.id)
