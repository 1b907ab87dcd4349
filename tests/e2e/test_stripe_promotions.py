"""Stripe payments that name their promotion code by id only (issue 23): tracking reads the
code from Stripe (here localstripe, ``tests.common.localstripe_promotions``) with the brand's
restricted key, then credits the affiliate the code is assigned to, or the one the code's
metadata names (``rekomi_affiliate_id``). A code it cannot read (no key, an unknown id) credits
nobody. The discounts' coupons are assigned to nobody: only the promotion code can credit."""

from __future__ import annotations

import secrets
from typing import Any

import aiohttp

from tests.common.affiliates_api import call, create_affiliate
from tests.common.localstripe_webhooks import new_coupon_id, stripe_client
from tests.common.provider_events import connect_stripe
from tests.common.s2s import Seller, seller
from tests.common.stripe_payloads import checkout, conversions, invoice, processed, send_stripe


def _restricted_key() -> str:
    return f"rk_test_{secrets.token_hex(12)}"


def _code() -> str:
    """A promotion code of our own (localstripe's store is shared by the test session)."""
    return f"JANE{secrets.token_hex(4).upper()}"


async def _promotion(stripe_base: str, **params: Any) -> tuple[str, str, str]:
    """A new coupon and a promotion code for it: (coupon id, promotion id, code)."""
    async with stripe_client(stripe_base) as client:
        coupon = await client.v1.coupons.create_async(
            {"id": new_coupon_id(), "percent_off": 10, "duration": "once"})
        create: Any = {"promotion": {"type": "coupon", "coupon": coupon.id}, **params}
        promotion = await client.v1.promotion_codes.create_async(create)
    return coupon.id, promotion.id, promotion.code


async def _assign(http: aiohttp.ClientSession, s: Seller, code: str) -> None:
    await call(http, "POST", f"/api/v1/affiliates/{s.affiliate['id']}/coupon-codes", s.org,
               {"code": code}, expect=201)


async def test_a_promotion_code_named_by_id_credits_the_affiliate_it_is_assigned_to(
        http: aiohttp.ClientSession, stack: object, stripe_base: str) -> None:
    s = await seller(http)
    coupon, promotion, code = await _promotion(stripe_base, code=_code())
    await _assign(http, s, code)
    secret = await connect_stripe(http, s.org, _restricted_key())
    paid = invoice(total=6000, coupon=coupon, promotion_code=promotion)
    await send_stripe(http, s.org, secret, "invoice.paid", paid)
    [booked] = await conversions(http, s.org, paid["id"])
    assert (booked["affiliateId"], booked["attributionMethod"], booked["couponCode"],
            booked["amountCents"]) == (s.affiliate["id"], "coupon", code, 6000)


async def test_a_promotion_codes_metadata_credits_the_affiliate_it_names(
        http: aiohttp.ClientSession, stack: object, stripe_base: str) -> None:
    s = await seller(http)
    named = await create_affiliate(http, s.org, s.program["id"])
    coupon, promotion, code = await _promotion(  # Stripe generates the code
        stripe_base, metadata={"rekomi_affiliate_id": named["id"]})
    secret = await connect_stripe(http, s.org, _restricted_key())
    paid = checkout(total=4000, discounts=[{"coupon": coupon, "promotion_code": promotion}])
    await send_stripe(http, s.org, secret, "checkout.session.completed", paid)
    [booked] = await conversions(http, s.org, paid["payment_intent"])
    assert (booked["affiliateId"], booked["attributionMethod"], booked["couponCode"]) == (
        named["id"], "coupon", code)


async def test_a_promotion_code_tracking_cannot_read_credits_nobody(
        http: aiohttp.ClientSession, stack: object, stripe_base: str) -> None:
    coupon, promotion, code = await _promotion(stripe_base, code=_code())
    keyless = await seller(http)  # connected without a restricted key
    await _assign(http, keyless, code)
    secret = await connect_stripe(http, keyless.org)
    paid = invoice(total=6000, coupon=coupon, promotion_code=promotion)
    event = await send_stripe(http, keyless.org, secret, "invoice.paid", paid)
    assert await processed(keyless.org, event) == "unattributed"

    # With a key, a promotion code Stripe does not know (404) credits nobody either.
    keyed = await seller(http)
    await _assign(http, keyed, code)
    secret = await connect_stripe(http, keyed.org, _restricted_key())
    paid = invoice(total=6000, coupon=coupon, promotion_code=f"promo_{secrets.token_hex(7)}")
    event = await send_stripe(http, keyed.org, secret, "invoice.paid", paid)
    assert await processed(keyed.org, event) == "unattributed"
