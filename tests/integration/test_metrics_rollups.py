"""The dashboard's rollups applied from events on the real database: each event counts once
however often it is delivered, a refund or a denial takes back exactly what was counted, and a
refund seen before its sale counts nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import asyncpg

from libs.contracts.metrics import CLICKS_ROLLED, CONVERSIONS_DENIED
from libs.shared.bus import Delivery
from libs.shared.uow import unit_of_work
from services.ledger.metrics.service_layer.apply import CREATED, REFUNDED, apply

DAY = date(2026, 5, 10)
AT = datetime(2026, 5, 10, 14, 5, tzinfo=UTC)


def delivery(key: str, body: dict[str, Any], message_id: str | None = None) -> Delivery:
    return Delivery(message_id or str(uuid.uuid4()), key, body, {}, False, 0)


def conversion(org: uuid.UUID, affiliate: uuid.UUID, program: uuid.UUID, *, status: str,
               cents: int, cid: uuid.UUID, kind: str = "OneTime") -> dict[str, Any]:
    data = {"id": str(cid), "affiliateId": str(affiliate), "programId": str(program),
            "amountCents": cents, "currency": "USD", "commissionCents": cents // 5,
            "status": status, "type": kind, "stripeSubscriptionId": None,
            "stripeCustomerId": None, "externalEventId": "e", "createdAt": AT.isoformat(),
            "refundedAt": None, "attributionMethod": None, "couponCode": None}
    return {"id": str(uuid.uuid4()), "type": "x", "orgId": str(org),
            "createdAt": AT.isoformat(), "data": data}


async def row(pool: asyncpg.Pool, org: uuid.UUID) -> tuple[int, ...]:
    found = await pool.fetchrow(
        "SELECT coalesce(sum(clicks), 0), coalesce(sum(bot_clicks), 0), "
        "coalesce(sum(conversions), 0), coalesce(sum(revenue_cents), 0), "
        "coalesce(sum(commission_cents), 0), coalesce(sum(leads), 0) FROM metric_days "
        "WHERE org_id = $1 AND day = $2", org, DAY)
    assert found is not None
    return tuple(int(v) for v in found)


async def applied(pool: asyncpg.Pool, *deliveries: Delivery) -> None:
    async with unit_of_work(pool) as tx:
        await apply(tx, list(deliveries))


async def test_each_event_counts_once_and_refunds_and_denials_take_back(
        pool: asyncpg.Pool) -> None:
    org, program, affiliate = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    clicks = delivery(CLICKS_ROLLED, {"orgId": str(org), "cells": [
        {"programId": str(program), "affiliateId": str(affiliate), "hour": AT.isoformat(),
         "referrerHost": None, "country": "DE", "device": "Desktop", "utmSource": None,
         "utmMedium": None, "utmCampaign": None, "bot": False, "clicks": 3},
        {"programId": str(program), "affiliateId": str(affiliate), "hour": AT.isoformat(),
         "referrerHost": "bot.example", "country": "US", "device": "Bot", "utmSource": None,
         "utmMedium": None, "utmCampaign": None, "bot": True, "clicks": 2}]})
    a, b, c, d = (uuid.uuid4() for _ in range(4))
    sale_a = conversion(org, affiliate, program, status="Pending", cents=10000, cid=a)
    sale_b = conversion(org, affiliate, program, status="Pending", cents=5000, cid=b)
    lead = conversion(org, affiliate, program, status="Pending", cents=500, cid=c,
                      kind="LeadReward")
    await applied(pool, clicks, delivery(CREATED, sale_a), delivery(CREATED, sale_b),
                  delivery(CREATED, lead))
    assert await row(pool, org) == (3, 2, 2, 15000, 3100, 1)
    # the same deliveries again (same message ids, same conversions): nothing changes
    await applied(pool, clicks, delivery(CREATED, sale_a), delivery(CREATED, lead))
    assert await row(pool, org) == (3, 2, 2, 15000, 3100, 1)
    refunded = conversion(org, affiliate, program, status="Refunded", cents=5000, cid=b)
    await applied(pool, delivery(REFUNDED, refunded), delivery(REFUNDED, refunded))
    assert await row(pool, org) == (3, 2, 1, 10000, 2100, 1)
    denial = delivery(CONVERSIONS_DENIED, {"orgId": str(org), "conversionIds": [str(a)]})
    await applied(pool, denial, denial)
    assert await row(pool, org) == (3, 2, 0, 0, 100, 1)
    # a refund delivered before its sale: the sale then counts nothing
    early = conversion(org, affiliate, program, status="Refunded", cents=7000, cid=d)
    await applied(pool, delivery(REFUNDED, early))
    await applied(pool, delivery(CREATED, conversion(org, affiliate, program,
                                                     status="Pending", cents=7000, cid=d)))
    assert await row(pool, org) == (3, 2, 0, 0, 100, 1)
    sources = await pool.fetch("SELECT source, clicks FROM metric_sources WHERE org_id = $1",
                               org)
    assert [(r["source"], r["clicks"]) for r in sources] == [("(direct)", 3)]
