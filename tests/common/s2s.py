"""Signed S2S calls as a brand's server makes them (sales, leads, renewals), and the
conversions they book, read over the API."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import aiohttp

from libs.shared import jsonutil
from libs.shared.db import connect
from libs.shared.settings import Settings
from services.gateway.domain.signatures import header_value
from tests.common.affiliates_api import create_affiliate
from tests.common.api import create_program
from tests.common.orgs import Org, new_org
from tests.common.waiting import eventually

S2S = "/api/tracking/s2s"
LEAD = "/api/tracking/lead"
SIGNUP = "/api/v1/r/lead/signup"
CONVERSIONS = "/api/v1/conversions"
CONVERSION_EVENT_KEYS = ("conversion.*", "lead.*")
Timeline = list[tuple[str, int, int]]


@dataclass
class Seller:
    org: Org
    program: dict[str, Any]
    affiliate: dict[str, Any]

    @property
    def slug(self) -> str:
        return str(self.affiliate["links"][0]["slug"])


async def seller(http: aiohttp.ClientSession, org: Org | None = None, **program: Any
                 ) -> Seller:
    org = org or await new_org()
    made = await create_program(http, org, autoApprove=True, **program)
    affiliate = await create_affiliate(http, org, made["id"])
    return Seller(org, made, affiliate)


def sale(slug: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"externalEventId": f"purchase_{uuid.uuid4().hex}",
                            "affiliateSlug": slug, "amountCents": 9900, "currency": "USD",
                            "customerId": "cus_external_xyz"}
    body.update(overrides)
    return body


def signed_headers(org: Org, raw: bytes, *, at: int | None = None, secret: str | None = None,
                   bearer: bool = False) -> dict[str, str]:
    stamp = int(time.time()) if at is None else at
    key = ({"Authorization": f"Bearer {org.api_key}"} if bearer
           else {"X-Rekomi-Api-Key": org.api_key})
    return {**key, "Content-Type": "application/json",
            "X-Rekomi-Signature": header_value(secret or org.signing_secret, stamp, raw)}


async def post_signed(http: aiohttp.ClientSession, org: Org, body: Any, path: str = S2S, *,
                      wait: bool = True, **sign: Any) -> tuple[int, Any]:
    """Post a signed body; a fresh answer is returned once the ledger has booked it (tracking
    answers as soon as the event is durable), unless ``wait`` is False."""
    raw = jsonutil.dumps(body)
    async with http.post(path, data=raw, headers=signed_headers(org, raw, **sign)) as response:
        status, answer = response.status, await response.json(content_type=None)
    if wait and status == 200 and isinstance(answer, dict) and answer.get("conversionId"):
        await get_conversion(http, org, answer["conversionId"])
    return status, answer


async def get_conversion(http: aiohttp.ClientSession, org: Org, conversion_id: str
                         ) -> dict[str, Any]:
    """The conversion once the ledger has booked it (tracking answered before that)."""
    async def booked() -> dict[str, Any] | None:
        async with http.get(f"{CONVERSIONS}/{conversion_id}", headers=org.auth) as response:
            body: dict[str, Any] = await response.json()
            if response.status == 404:
                return None
            assert response.status == 200, body
        return body

    return await eventually(booked, what=f"conversion {conversion_id} booked")


def lead(slug: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"affiliateSlug": slug, "name": "Jane Doe",
                            "email": f"user-{uuid.uuid4().hex[:8]}@example.com"}
    body.update(overrides)
    return body


async def timeline(http: aiohttp.ClientSession, s: Seller, conversion_id: str, count: int
                   ) -> Timeline:
    """The conversion's timeline once it has at least ``count`` events (callers compare it
    whole, so one too many fails)."""
    async def probe() -> list[dict[str, Any]] | None:
        events: list[dict[str, Any]] = (await get_conversion(http, s.org, conversion_id))["events"]
        return events if len(events) >= count else None

    events = await eventually(probe, what=f"{count} events on {conversion_id}")
    return [(e["eventType"], e["amountCents"], e["commissionCents"]) for e in events]


async def recruited(http: aiohttp.ClientSession, s: Seller) -> dict[str, Any]:
    """An affiliate recruited by ``s.affiliate`` (10% override), as test_s2s sets it up."""
    config = f"/api/v1/programs/{s.program['id']}/sub-affiliate-config"
    async with http.put(config, json={"enabled": True, "percent": 10},
                        headers=s.org.auth) as response:
        assert response.status == 200, await response.text()
    async with http.post(f"/api/p/id/{s.program['id']}/apply", json={
            "email": f"recruit-{uuid.uuid4().hex[:8]}@example.com",
            "recruitedByAffiliateId": s.affiliate["id"]}) as response:
        recruit: dict[str, Any] = await response.json()
        assert response.status == 200, recruit
    return recruit


async def set_paid(conversion_id: str) -> None:
    """Mark a conversion Paid. Nothing pays over the API yet (payouts come with a later issue),
    and a refund of a Paid row is the one that claws money back, so the test pokes the status."""
    conn = await connect(Settings().database_url, "ledger")
    try:
        done = await conn.execute("UPDATE conversions SET status = 'Paid' WHERE id = $1",
                                  uuid.UUID(conversion_id))
    finally:
        await conn.close()
    assert done == "UPDATE 1"


async def subscribe(http: aiohttp.ClientSession, s: Seller, amount: int = 10000,
                    **overrides: Any) -> tuple[str, str]:
    """The initial sale of a fresh subscription: (subscriptionId, its conversion id). An
    override of None leaves the key out of the body."""
    subscription = f"sub_{uuid.uuid4().hex[:12]}"
    body = {k: v for k, v in sale(s.slug, subscriptionId=subscription, amountCents=amount,
                                  **overrides).items() if v is not None}
    status, made = await post_signed(http, s.org, body)
    assert status == 200, made
    return subscription, str(made["conversionId"])


async def renew(http: aiohttp.ClientSession, s: Seller, subscription: str, initial_id: str,
                amount: int, *, slug: str | None = None) -> dict[str, Any]:
    """One renewal, waited for until its conversion shows (every renewal has its own row,
    one that earns nothing too), so the next one is numbered after it."""
    before = len((await get_conversion(http, s.org, initial_id))["events"])
    body: dict[str, Any] = {"externalEventId": f"invoice_{uuid.uuid4().hex}",
                            "subscriptionId": subscription, "amountCents": amount,
                            "currency": "USD"}
    if slug is not None:
        body["affiliateSlug"] = slug
    status, made = await post_signed(http, s.org, body)  # waits for the renewal's row
    assert status == 200 and set(made) == {"ok", "conversionId"}, made
    assert len((await get_conversion(http, s.org, initial_id))["events"]) == before + 1
    return {**body, "conversionId": made["conversionId"]}
