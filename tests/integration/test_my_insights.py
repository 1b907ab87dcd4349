"""The affiliate's own insights on real rollups: sales booked (with their originating click and
link) and clicks rolled up, applied through the one write path, then read by the use cases.

One person is an affiliate in two orgs: P_A in org A (home USD) and P_B in org B (home EUR).
Q is another affiliate of org A, who also recruited P_A (so Q earns overrides on P_A's sales):
nothing of Q's may show. Sales (commission 20%), all at T0 (Sunday 16h UTC):
- a1 P_A 100.00 USD, link pa-link, click youtube.com DE Mobile utm_source=yt sub-id ig
- a2 P_A  50.00 USD, link pa-link, no click
- a3 P_A 200.00 USD, no link, click (direct) FR Desktop, no UTM, no sub-id
- a4 P_A  30.00 USD, link pa-link, click like a1: refunded
- q1 Q    70.00 USD, link qa-link, click US Desktop sub-id ig
- b1 P_B  40.00 EUR, link pb-link, click youtube.com DE Tablet utm_source=yt sub-id yt-short
- b2 P_B  10.00 EUR, no link, no click
Clicks at 14h: P_A pa-link 3 (DE Mobile youtube.com yt ig), P_A pa-2 2 (FR Desktop direct),
P_A 4 bot clicks, Q qa-link 5 (US Desktop ig), P_B pb-link 6 (DE Tablet youtube.com yt
yt-short)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import asyncpg
import pytest

from libs.contracts import my_insights as my
from libs.contracts.attributed import AcceptedSale
from libs.contracts.metrics import CLICKS_ROLLED
from libs.shared.uow import unit_of_work
from services.ledger.conversions.service_layer.booking_batch import book_batch
from services.ledger.domain.errors import AffiliateNotFound
from services.ledger.metrics.service_layer import my_insights
from services.ledger.metrics.service_layer.apply import CREATED, REFUNDED
from tests.common.ledger_booking import T0, Program, new_program, sale
from tests.integration.test_metric_dimensions import _created
from tests.integration.test_metrics_rollups import applied, delivery

U, N = "(unknown)", "(none)"
CLICKED = T0 - timedelta(hours=2)
EMAIL, CUSTOMER = "buyer.private@example.com", "cus_private_42"


@dataclass
class Seeded:
    a: Program  # org A: affiliate_id is P_A, recruiter_id is Q
    b: Program  # org B: affiliate_id is P_B
    usd_per_eur: Decimal

    def usd(self, eur_cents: int) -> int:
        return int((Decimal(eur_cents) * self.usd_per_eur).quantize(Decimal(1), ROUND_HALF_UP))

    def ask(self, module: my.MyModule, **query: Any) -> my.GetMyInsight:
        return my.GetMyInsight.model_validate({
            "module": module, "since": T0.date().isoformat(),
            "until": (T0.date() + timedelta(days=1)).isoformat(), **query,
            "memberships": [_member(self.a), _member(self.b)]})


def _member(p: Program) -> dict[str, Any]:
    """A membership as the gateway sends it (the insights read only the org and affiliate)."""
    return {"orgId": p.org_id, "affiliateId": p.affiliate_id, "programId": p.program_id,
            "status": "Approved", "orgName": "Org", "orgHandle": "org"}


def _sale(p: Program, key: str, cents: int, *, affiliate: uuid.UUID | None = None,
          currency: str = "USD", link: str | None = None, **origin: Any) -> AcceptedSale:
    body = {**sale(p, key), "amountCents": cents, "currency": currency, "linkSlug": link,
            "affiliateId": str(affiliate or p.affiliate_id), "customerEmail": EMAIL,
            "customerId": CUSTOMER}
    if origin:
        body["origin"] = {"referrerHost": None, "country": "unknown", "deviceClass": "Desktop",
                          "clickedAt": CLICKED.isoformat(), **origin}
    return AcceptedSale.model_validate(body)


def _cell(p: Program, clicks: int, slug: str, *, affiliate: uuid.UUID | None = None,
          **fields: Any) -> dict[str, Any]:
    return {"programId": str(p.program_id), "affiliateId": str(affiliate or p.affiliate_id),
            "hour": CLICKED.isoformat(), "referrerHost": None, "country": "unknown",
            "device": "Desktop", "utmSource": None, "utmMedium": None, "utmCampaign": None,
            "bot": False, "clicks": clicks, "slug": slug, **fields}


async def _rate(pool: asyncpg.Pool) -> Decimal:
    """T0's USD rate: seeded when missing (another test may have seeded that day first)."""
    await pool.execute("INSERT INTO fx_rates (day, currency, per_eur, source) VALUES "
                       "($1, 'USD', 1.0825, 'ecb') ON CONFLICT DO NOTHING", T0.date())
    return Decimal(await pool.fetchval("SELECT per_eur FROM fx_rates WHERE day = $1 "
                                       "AND currency = 'USD'", T0.date()))


async def seeded(pool: asyncpg.Pool) -> Seeded:
    a, b = await new_program(pool), await new_program(pool)
    await pool.execute("INSERT INTO org_settings (org_id, home_currency, payout_grace_days, "
                       "updated_at) VALUES ($1, 'EUR', 30, now())", b.org_id)
    yt: dict[str, Any] = {"referrerHost": "youtube.com", "country": "DE", "utmSource": "yt"}
    from_yt: dict[str, Any] = {"referrerHost": "youtube.com", "utmSource": "yt"}
    async with unit_of_work(pool) as tx:
        await book_batch(tx, [
            _sale(a, "a1", 10000, link="pa-link", deviceClass="Mobile", subId="ig", **yt),
            _sale(a, "a2", 5000, link="pa-link"),
            _sale(a, "a3", 20000, country="FR"),
            _sale(a, "a4", 3000, link="pa-link", deviceClass="Mobile", subId="ig", **yt),
            _sale(a, "q1", 7000, affiliate=a.recruiter_id, link="qa-link", country="US",
                  subId="ig")])
        await book_batch(tx, [
            _sale(b, "b1", 4000, currency="EUR", link="pb-link", deviceClass="Tablet",
                  subId="yt-short", **yt),
            _sale(b, "b2", 1000, currency="EUR")])
    created = {**await _created(pool, a.org_id), **await _created(pool, b.org_id)}
    clicks_a = delivery(CLICKS_ROLLED, {"orgId": str(a.org_id), "cells": [
        _cell(a, 3, "pa-link", country="DE", device="Mobile", subId="ig", **from_yt),
        _cell(a, 2, "pa-2", country="FR"),
        _cell(a, 4, "pa-link", device="Bot", bot=True),
        _cell(a, 5, "qa-link", affiliate=a.recruiter_id, country="US", subId="ig")]})
    clicks_b = delivery(CLICKS_ROLLED, {"orgId": str(b.org_id), "cells": [
        _cell(b, 6, "pb-link", country="DE", device="Tablet", subId="yt-short", **from_yt)]})
    sales = [delivery(CREATED, created[k]) for k in ("a1", "a2", "a3", "a4", "q1", "b1", "b2")]
    overrides = await pool.fetch("SELECT payload FROM outbox WHERE routing_key = $1 AND "
                                 "payload->>'orgId' = $2 AND payload->'data'->>"
                                 "'parentAffiliateConversionId' IS NOT NULL", CREATED,
                                 str(a.org_id))
    assert len(overrides) == 4  # Q's on a1..a4
    sales += [delivery(CREATED, json.loads(r[0]) if isinstance(r[0], str) else r[0])
              for r in overrides]
    refund = {**created["a4"], "data": {**created["a4"]["data"], "status": "Refunded"}}
    for _ in range(2):  # redelivered: nothing changes
        await applied(pool, clicks_a, clicks_b, *sales)
        await applied(pool, delivery(REFUNDED, refund))
    return Seeded(a, b, await _rate(pool))


async def _answer(pool: asyncpg.Pool, cmd: my.GetMyInsight) -> dict[str, Any]:
    found = await my_insights.MODULES[cmd.module](pool, cmd)
    data: dict[str, Any] = found.model_dump(mode="json", by_alias=True)
    return data


async def test_each_module_holds_only_the_callers_own_figures(pool: asyncpg.Pool) -> None:
    s = await seeded(pool)
    M = my.MyModule
    eur = s.usd(1000)  # P_B's commission of the day (800 + 200 EUR) in USD
    assert await _answer(pool, s.ask(M.overview)) == {
        "clicks": 11, "conversions": 5, "conversionRate": 45.4545,
        "epcCents": round((7000 + eur) / 11), "commissionCents": 7000 + eur,
        "commissionByCurrency": [{"currency": "EUR", "commissionCents": 1000},
                                 {"currency": "USD", "commissionCents": 7000}],
        "refundedConversions": 1, "refundRate": 0.1667, "recurringConversions": 0,
        "recurringSharePct": 0.0, "leads": 0, "clickToLeadRate": 0.0, "leadToSaleRate": 0.0,
        "currency": "USD"}
    assert await _answer(pool, s.ask(M.links)) == {"currency": "USD", "rows": [
        {"slug": "pb-link", "clicks": 6, "conversions": 1, "commissionCents": s.usd(800)},
        {"slug": "pa-link", "clicks": 3, "conversions": 2, "commissionCents": 3000},
        {"slug": "pa-2", "clicks": 2, "conversions": 0, "commissionCents": 0},
        {"slug": U, "clicks": 0, "conversions": 2, "commissionCents": 4000 + s.usd(200)}]}
    assert await _answer(pool, s.ask(M.channels)) == {"currency": "USD", "rows": [
        {"subId": "yt-short", "clicks": 6, "conversions": 1, "commissionCents": s.usd(800)},
        {"subId": "ig", "clicks": 3, "conversions": 1, "commissionCents": 2000},
        {"subId": N, "clicks": 2, "conversions": 1, "commissionCents": 4000},
        {"subId": U, "clicks": 0, "conversions": 2, "commissionCents": 1000 + s.usd(200)}]}
    assert await _answer(pool, s.ask(M.sale_origin)) == {
        "sources": [
            {"source": "youtube.com", "conversions": 2, "commissionCents": 2000 + s.usd(800)},
            {"source": "(direct)", "conversions": 1, "commissionCents": 4000}],
        "attributedConversions": 3, "totalConversions": 5, "coverage": 0.6,
        "currency": "USD"}
    assert await _answer(pool, s.ask(M.geography)) == {"currency": "USD", "rows": [
        {"country": "DE", "clicks": 9, "conversions": 2, "commissionCents": 2000 + s.usd(800)},
        {"country": "FR", "clicks": 2, "conversions": 1, "commissionCents": 4000},
        {"country": U, "clicks": 0, "conversions": 2, "commissionCents": 1000 + s.usd(200)}]}
    assert await _answer(pool, s.ask(M.devices)) == {"rows": [
        {"device": "Mobile", "clicks": 3, "conversions": 1},
        {"device": "Tablet", "clicks": 6, "conversions": 1},
        {"device": "Desktop", "clicks": 2, "conversions": 1},
        {"device": "Bot", "clicks": 4, "conversions": 0},
        {"device": U, "clicks": 0, "conversions": 2}]}
    assert await _answer(pool, s.ask(M.utm)) == {"dimension": "source", "currency": "USD",
                                                 "rows": [
        {"value": "yt", "clicks": 9, "conversions": 2, "commissionCents": 2000 + s.usd(800)},
        {"value": N, "clicks": 2, "conversions": 1, "commissionCents": 4000},
        {"value": U, "clicks": 0, "conversions": 2, "commissionCents": 1000 + s.usd(200)}]}
    cells = (await _answer(pool, s.ask(M.time_patterns)))["cells"]
    assert len(cells) == 168
    assert {(c["dayOfWeek"], c["hour"]): (c["clicks"], c["conversions"]) for c in cells
            if c["clicks"] or c["conversions"]} == {(0, 14): (11, 0), (0, 16): (0, 5)}


async def test_focusing_one_membership_reports_in_its_orgs_currency(pool: asyncpg.Pool
                                                                    ) -> None:
    s = await seeded(pool)
    M = my.MyModule
    b = await _answer(pool, s.ask(M.overview, affiliateId=str(s.b.affiliate_id)))
    assert (b["clicks"], b["conversions"], b["commissionCents"], b["epcCents"],
            b["commissionByCurrency"], b["currency"]) == (
        6, 2, 1000, 167, [{"currency": "EUR", "commissionCents": 1000}], "EUR")
    assert await _answer(pool, s.ask(M.links, affiliateId=str(s.b.affiliate_id))) == {
        "currency": "EUR", "rows": [
            {"slug": "pb-link", "clicks": 6, "conversions": 1, "commissionCents": 800},
            {"slug": U, "clicks": 0, "conversions": 1, "commissionCents": 200}]}
    a = await _answer(pool, s.ask(M.overview, affiliateId=str(s.a.affiliate_id)))
    assert (a["clicks"], a["conversions"], a["refundedConversions"], a["commissionCents"],
            a["currency"]) == (5, 3, 1, 7000, "USD")
    # a program filter applies inside the memberships
    only_b = await _answer(pool, s.ask(M.channels, programId=str(s.b.program_id)))
    assert [r["subId"] for r in only_b["rows"]] == ["yt-short", U]


@pytest.mark.parametrize("foreign", ["recruiter", "stranger", "org"])
async def test_a_focus_outside_the_callers_memberships_is_not_found(
        pool: asyncpg.Pool, foreign: str) -> None:
    s = await seeded(pool)
    other = {"recruiter": s.a.recruiter_id, "stranger": uuid.uuid4(), "org": s.a.org_id}
    for module in my.MyModule:
        with pytest.raises(AffiliateNotFound) as refused:
            await my_insights.MODULES[module](pool, s.ask(module, affiliateId=str(
                other[foreign])))
        assert (refused.value.code, refused.value.field) == ("affiliate_not_found",
                                                             "affiliateId")
    with pytest.raises(AffiliateNotFound):
        await my_insights.as_rows(pool, s.ask(my.MyModule.links, affiliateId=str(
            other[foreign]), format="csv"))


async def test_csv_rows(pool: asyncpg.Pool) -> None:
    s = await seeded(pool)
    links = await my_insights.as_rows(pool, s.ask(my.MyModule.links, format="csv"))
    assert links.header == ["slug", "clicks", "conversions", "commissionCents"]
    assert links.rows == [["pb-link", 6, 1, s.usd(800)], ["pa-link", 3, 2, 3000],
                          ["pa-2", 2, 0, 0], [U, 0, 2, 4000 + s.usd(200)]]
    overview = await my_insights.as_rows(pool, s.ask(my.MyModule.overview, format="csv"))
    assert overview.header == [
        "clicks", "conversions", "conversionRate", "epcCents", "commissionCents",
        "refundedConversions", "refundRate", "recurringConversions", "recurringSharePct",
        "leads", "clickToLeadRate", "leadToSaleRate", "currency"]
    assert overview.rows[0][:2] == [11, 5] and overview.rows[0][-1] == "USD"
    channels = await my_insights.as_rows(pool, s.ask(my.MyModule.channels, format="csv"))
    assert channels.header[0] == "subId" and [r[0] for r in channels.rows] == [
        "yt-short", "ig", N, U]


ALLOWED_KEYS = {
    "clicks", "conversions", "conversionRate", "epcCents", "commissionCents",
    "commissionByCurrency", "refundedConversions", "refundRate", "recurringConversions",
    "recurringSharePct", "leads", "clickToLeadRate", "leadToSaleRate", "currency", "sources",
    "source", "attributedConversions", "totalConversions", "coverage", "rows", "country",
    "device", "slug", "subId", "value", "dimension", "cells", "dayOfWeek", "hour"}


def _keys(data: Any) -> set[str]:
    if isinstance(data, dict):
        return set(data) | {k for v in data.values() for k in _keys(v)}
    if isinstance(data, list):
        return {k for v in data for k in _keys(v)}
    return set()


async def test_no_answer_carries_customer_identity_or_brand_revenue(pool: asyncpg.Pool
                                                                    ) -> None:
    s = await seeded(pool)
    for module in my.MyModule:
        for query in ({}, {"format": "csv"}, {"affiliateId": str(s.a.affiliate_id)}):
            cmd = s.ask(module, **query)
            answer = (await my_insights.as_rows(pool, cmd) if query.get("format")
                      else await my_insights.MODULES[module](pool, cmd))
            text = answer.model_dump_json(by_alias=True)
            for private in (EMAIL, CUSTOMER, "buyer", "revenue", "Revenue", "qa-link",
                            str(s.a.recruiter_id)):
                assert private not in text, (module, private)
            if not query.get("format"):
                assert _keys(json.loads(text)) <= ALLOWED_KEYS, module


async def test_without_memberships_every_module_is_empty(pool: asyncpg.Pool) -> None:
    await seeded(pool)
    cmd = my.GetMyInsight.model_validate({"module": "links", "memberships": []})
    assert await _answer(pool, cmd) == {"rows": [], "currency": "USD"}
    overview = await _answer(pool, cmd.model_copy(update={"module": my.MyModule.overview}))
    assert (overview["clicks"], overview["commissionCents"]) == (0, 0)
