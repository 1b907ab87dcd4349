"""Tracking's S2S intake against the real PostgreSQL: one row and one ledger event per
(org, externalEventId) however many copies arrive at once, renewals and e-mail matches credited to
the right affiliate, refunds tied to their sale, and nothing written for a refused item."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import asyncpg
import pytest

from libs.contracts.common import as_json
from libs.contracts.s2s import AcceptLead, AcceptSale
from libs.shared.db import create_pool
from libs.shared.errors import RekomiError
from libs.shared.settings import Settings
from services.tracking.adapters.click_writer import ClickWriter
from services.tracking.adapters.links_repository import LinksRepository
from services.tracking.adapters.s2s_repository import S2SRepository
from services.tracking.domain.errors import AffiliateSlugNotFound, NoAttribution, SaleNotFound
from services.tracking.service_layer.leads import accept_lead
from services.tracking.service_layer.lookups import Lookups
from services.tracking.service_layer.s2s import SaleIntake


class NoLedger:
    """The link index is filled directly; a slug it lacks is unknown to the ledger too."""

    async def call(self, service: str, method: str, payload: dict[str, Any]) -> Any:
        assert (service, method) == ("ledger", "links.resolve"), (service, method)
        return None


@pytest.fixture
async def pool(settings: Settings, migrated: None) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(settings.database_url, "tracking", min_size=1, max_size=4)
    yield pool
    await pool.close()


class Shop:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.org, self.program = uuid.uuid4(), uuid.uuid4()
        self.affiliates: dict[str, uuid.UUID] = {}
        self.intake = SaleIntake(pool, Lookups(pool, NoLedger(), 30.0))  # type: ignore[arg-type]

    async def affiliate(self) -> str:
        slug, affiliate = f"a{uuid.uuid4().hex[:12]}", uuid.uuid4()
        async with self.pool.acquire() as conn:
            await LinksRepository(conn).upsert([slug], org_id=self.org, program_id=self.program,
                                               affiliate_id=affiliate, active=True,
                                               event_at=datetime.now(UTC))
        self.affiliates[slug] = affiliate
        return slug

    async def send(self, **data: Any) -> dict[str, Any]:
        body = {"externalEventId": uuid.uuid4().hex, "amountCents": 1000, "currency": "USD",
                **data}
        cmd = AcceptSale.model_validate({"orgId": str(self.org), "payoutGraceDays": 30,
                                         "data": body})
        return as_json(await self.intake.accept(cmd))

    async def events(self, routing_key: str) -> list[dict[str, Any]]:
        rows = await self.pool.fetch(
            "SELECT payload FROM outbox WHERE routing_key = $1 AND payload->>'orgId' = $2 "
            "ORDER BY created_at", routing_key, str(self.org))
        return [r["payload"] for r in rows]


async def test_fifty_concurrent_copies_make_one_row_and_one_event(pool: asyncpg.Pool) -> None:
    shop = Shop(pool)
    slug = await shop.affiliate()
    replies = await asyncio.gather(*(shop.send(externalEventId="order-1", affiliateSlug=slug)
                                     for _ in range(50)))
    fresh = [r for r in replies if not r.get("deduped")]
    assert len(fresh) == 1 and set(fresh[0]) == {"ok", "conversionId"}
    first = fresh[0]["conversionId"]
    # Each copy learns the id the sale was booked under (a client whose first try timed out).
    assert replies.count({"ok": True, "deduped": True, "conversionId": first}) == 49
    [event] = await shop.events("tracking.sale.accepted")
    assert (event["conversionId"], event["affiliateId"], event["amountCents"]) == (
        first, str(shop.affiliates[slug]), 1000)
    # A second intake (another replica) dedupes against the committed row, a later batch of
    # copies (each one's first copy in the batch deduped by the stored row) too.
    other = SaleIntake(pool, shop.intake.lookups)
    shop.intake = other
    assert await shop.send(externalEventId="order-1", affiliateSlug=slug) == {
        "ok": True, "deduped": True, "conversionId": first}
    again = await asyncio.gather(*(shop.send(externalEventId="order-1", affiliateSlug=slug)
                                   for _ in range(10)))
    assert again == [{"ok": True, "deduped": True, "conversionId": first}] * 10


async def test_renewals_follow_the_subscription_and_email_matches_a_lead(
        pool: asyncpg.Pool) -> None:
    shop = Shop(pool)
    first, second = await shop.affiliate(), await shop.affiliate()
    await shop.send(affiliateSlug=first, subscriptionId="sub_1")
    # Same batch: the initial sale and its renewal sent together.
    await asyncio.gather(shop.send(affiliateSlug=second, subscriptionId="sub_2"),
                         shop.send(subscriptionId="sub_2"))
    await shop.send(subscriptionId="sub_1")  # no slug: the subscription's affiliate
    await shop.send(affiliateSlug=second, subscriptionId="sub_1")  # the slug cannot steal it
    async with pool.acquire() as conn:
        await S2SRepository(conn).add_lead(
            org_id=shop.org, program_id=shop.program, email="buyer@example.com",
            affiliate_id=shop.affiliates[second], conversion_id=uuid.uuid4(),
            external_event_id=None, now=datetime.now(UTC))
    await shop.send(customerEmail="Buyer@Example.com")
    sales = await shop.events("tracking.sale.accepted")
    # ``linkSlug``: only a sale a link credited came through one (a renewal never steals it)
    got = [(s["affiliateId"], s["subscriptionId"], s["attributionMethod"], s.get("linkSlug"))
           for s in sales]
    a, b = str(shop.affiliates[first]), str(shop.affiliates[second])
    assert got[0] == (a, "sub_1", None, first)
    assert sorted(got[1:3], key=str) == sorted([(b, "sub_2", None, second),
                                                (b, "sub_2", "subscription", None)], key=str)
    assert got[3:] == [(a, "sub_1", "subscription", None), (a, "sub_1", None, None),
                       (b, None, "email_match", None)]
    assert sales[-1]["customerEmail"] == "buyer@example.com"
    assert "linkSlug" not in sales[-1]  # left out: a ledger that predates it books the sale


async def test_a_sale_no_link_credited_takes_its_originating_clicks_link_and_sub_id(
        pool: asyncpg.Pool) -> None:
    shop = Shop(pool)
    slug = await shop.affiliate()
    at = datetime.now(UTC).replace(microsecond=0)
    writer = ClickWriter(pool, flush_ms=1000, max_batch=10)  # the click, as the path writes it
    writer.add((shop.org, shop.program, shop.affiliates[slug], slug, slug, None, "yt.example",
                "https://b.example/?sub_id=ig", None, None, None, None, None, "Mobile", "DE",
                False, "js", at, "ig"))
    await writer.flush()
    async with pool.acquire() as conn:
        await S2SRepository(conn).add_lead(
            org_id=shop.org, program_id=shop.program, email="fan@example.com",
            affiliate_id=shop.affiliates[slug], conversion_id=uuid.uuid4(),
            external_event_id=None, now=at)
    await shop.send(customerEmail="fan@example.com",
                    referral=f"{slug}.{shop.program}.{int(at.timestamp())}")
    await shop.send(customerEmail="fan@example.com")  # no click: no link either
    clicked, plain = await shop.events("tracking.sale.accepted")
    assert (clicked["attributionMethod"], clicked["linkSlug"], clicked["origin"]["subId"],
            clicked["origin"]["country"]) == ("email_match", slug, "ig", "DE")
    assert "linkSlug" not in plain and "origin" not in plain


async def test_refunds_and_refused_items_write_nothing_else(pool: asyncpg.Pool) -> None:
    shop = Shop(pool)
    slug = await shop.affiliate()
    sold = await shop.send(externalEventId="order-9", affiliateSlug=slug)
    refused: list[tuple[dict[str, Any], type[RekomiError]]] = [
        ({"affiliateSlug": "nobody-has-this"}, AffiliateSlugNotFound),
        ({"customerEmail": "stranger@example.com"}, NoAttribution),
        ({"eventType": "refund", "refundOf": "order-unknown"}, SaleNotFound),
    ]
    for body, error in refused:
        with pytest.raises(error):
            await shop.send(**body)
    refund = await shop.send(externalEventId="refund-9", eventType="refund", refundOf="order-9")
    assert refund == {"ok": True, "conversionId": sold["conversionId"]}
    assert await shop.send(externalEventId="refund-9", eventType="refund",
                           refundOf="order-9") == {"ok": True, "deduped": True,
                                                   "conversionId": sold["conversionId"]}
    [event] = await shop.events("tracking.refund.accepted")
    assert (event["externalEventId"], event["saleExternalEventId"]) == ("refund-9", "order-9")
    count = await pool.fetchval("SELECT count(*) FROM s2s_events WHERE org_id = $1", shop.org)
    assert count == 2


async def test_repeated_leads_answer_the_first_leads_id(pool: asyncpg.Pool) -> None:
    shop = Shop(pool)
    slug = await shop.affiliate()
    tracking = SimpleNamespace(pool=pool, lookups=shop.intake.lookups)

    async def lead(**data: Any) -> dict[str, Any]:
        cmd = AcceptLead.model_validate({"orgId": str(shop.org), "data": {
            "affiliateSlug": slug, "email": "lead@example.com", **data}})
        return as_json(await accept_lead(tracking, cmd))  # type: ignore[arg-type]

    replies = await asyncio.gather(*(lead(externalEventId="signup-1") for _ in range(50)))
    fresh = [r for r in replies if not r.get("deduped")]
    assert len(fresh) == 1 and set(fresh[0]) == {"ok", "conversionId"}
    first = fresh[0]["conversionId"]
    assert replies.count({"ok": True, "deduped": True, "conversionId": first}) == 49
    assert await lead(externalEventId="signup-1") == {"ok": True, "deduped": True,
                                                      "conversionId": first}
    # The same e-mail under another event id is still the program's first lead of it.
    assert await lead(externalEventId="signup-2") == {"ok": True, "deduped": True,
                                                      "conversionId": first}
    assert await lead() == {"ok": True, "deduped": True, "conversionId": first}
