"""The lookups a provider payment's attribution asks (``domain/payment_credit.py``): this
service's own rows (subscriptions sold, customers credited, leads) inside the processing
transaction, the ledger over RPC for coupon codes and affiliates, the link index for
referral slugs, and the promotion codes named by id (read from Stripe beforehand)."""

from __future__ import annotations

import uuid

from libs.contracts.affiliates import GET_AFFILIATE
from libs.contracts.coupon_codes import RESOLVE_COUPON
from libs.shared.bus_rpc import RemoteError, RequestReply
from services.tracking.adapters.provider_repository import ProviderRepository
from services.tracking.adapters.s2s_repository import S2SRepository
from services.tracking.domain.payment_credit import PromotionCode
from services.tracking.domain.sale_credit import Credit, credit_of
from services.tracking.service_layer.lookups import Lookups

# A coupon or a promotion code's affiliate credits the payment only in these states (a Banned
# one's sale is booked Denied by the ledger, as an S2S sale is); Pending and Rejected
# applicants earn nothing.
CREDITED_STATUSES = frozenset({"Approved", "Paused", "Banned"})

class PaymentLookups:
    def __init__(self, repo: ProviderRepository, lookups: Lookups, bus: RequestReply,
                 promotions: list[PromotionCode]) -> None:
        self.repo = repo
        self.s2s = S2SRepository(repo.conn)
        self.lookups = lookups
        self.bus = bus
        self.promotions = promotions  # read from Stripe before the transaction

    async def subscription_owner(self, org_id: uuid.UUID, subscription_id: str
                                 ) -> Credit | None:
        return credit_of(await self.s2s.subscription_owner(org_id, subscription_id))

    async def coupon_owner(self, org_id: uuid.UUID, code: str) -> Credit | None:
        found = await RESOLVE_COUPON.call(self.bus, {"orgId": str(org_id), "code": code})
        if not found or found["status"] not in CREDITED_STATUSES:
            return None
        return Credit(uuid.UUID(found["affiliateId"]), uuid.UUID(found["programId"]), None)

    async def affiliate(self, org_id: uuid.UUID, affiliate_id: str) -> Credit | None:
        try:
            wanted = uuid.UUID(affiliate_id)
        except ValueError:
            return None
        try:
            found = await GET_AFFILIATE.call(self.bus, {"orgId": str(org_id),
                                                        "affiliateId": str(wanted)})
        except RemoteError as exc:
            if exc.code == "affiliate_not_found":  # not this org's: no crossing tenants
                return None
            raise
        if not found or found["status"] not in CREDITED_STATUSES:
            return None
        return Credit(wanted, uuid.UUID(found["programId"]), None)

    async def promotion_codes(self, org_id: uuid.UUID, ids: tuple[str, ...]
                              ) -> list[PromotionCode]:
        return self.promotions

    async def link_owner(self, org_id: uuid.UUID, slug: str) -> Credit | None:
        link = await self.lookups.live_link(slug)
        if link is None or link.org_id != org_id:
            return None
        return Credit(link.affiliate_id, link.program_id, None, link.slug)

    async def customer_owner(self, org_id: uuid.UUID, customer_id: str) -> Credit | None:
        return credit_of(await self.repo.customer_owner(customer_id))

    async def email_owner(self, org_id: uuid.UUID, email: str) -> Credit | None:
        return credit_of(await self.s2s.lead_of_email(org_id, email))
