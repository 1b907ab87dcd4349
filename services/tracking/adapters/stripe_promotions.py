"""Reading Stripe promotion codes a payment names by id only, with the brand's restricted key
(``promotion_codes: read``), through the official library's asyncio client. A code that
cannot be read (no key, a key without the permission, Stripe down) credits no coupon: the
payment falls through to the next attribution rule, and the event is not retried for it."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
import stripe

from services.tracking.domain.payment_credit import PromotionCode
from services.tracking.domain.stripe_events import AFFILIATE_KEY

log = logging.getLogger(__name__)


class StripePromotions:
    def __init__(self, api_base: str, timeout_seconds: float = 5.0) -> None:
        self._api_base = api_base
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)

    async def read(self, api_key: str, ids: tuple[str, ...]) -> list[PromotionCode]:
        # A client per read, closed after it: reads are rare (a payment that names a
        # promotion code by id only), and nothing is left open at shutdown.
        http = stripe.AIOHTTPClient(timeout=self._timeout)
        try:
            return await self._read(stripe.StripeClient(
                api_key, base_addresses={"api": self._api_base}, http_client=http,
                max_network_retries=1), ids)
        finally:
            await http.close_async()  # type: ignore[no-untyped-call]

    async def _read(self, client: stripe.StripeClient, ids: tuple[str, ...]
                    ) -> list[PromotionCode]:
        found = []
        for promotion_id in ids:
            try:
                promotion = await client.v1.promotion_codes.retrieve_async(promotion_id)
            except (stripe.StripeError, aiohttp.ClientError, TimeoutError) as exc:
                log.warning("stripe promotion code %s unreadable: %s", promotion_id, exc)
                continue
            metadata: dict[str, Any] = promotion.metadata.to_dict() if promotion.metadata else {}
            affiliate = metadata.get(AFFILIATE_KEY)
            found.append(PromotionCode(promotion.code, str(affiliate) if affiliate else None))
        return found
