"""Which affiliate a provider payment credits, first match wins:

0. a subscription this org sold before: its later invoices go to its first sale's affiliate
   (``subscription``), whatever they redeem;
1. ``coupon``: a redeemed promotion code or coupon id assigned to an affiliate of the org, or
   a promotion code whose metadata names one (``rekomi_affiliate_id``);
2. ``metadata_or_customer``: the referral in the checkout's metadata
   (``rekomi_ref``/``client_reference_id``: a slug, or the loader's whole ``Rekomi.referral``
   value) when it names one of the org's live links, else a provider customer an earlier
   payment credited;
3. ``email_match``: the org's first lead with the payment's e-mail.

None: the payment is kept unattributed. The rule is here; the lookups are the caller's."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

from libs.contracts.attribution_methods import AttributionMethod
from services.tracking.domain.provider_facts import Payment
from services.tracking.domain.sale_credit import Credit


@dataclass(frozen=True, slots=True)
class PaymentCredit:
    credit: Credit
    coupon_code: str | None = None  # the redeemed code, when a coupon credited the payment


@dataclass(frozen=True, slots=True)
class PromotionCode:
    code: str
    affiliate_id: str | None  # its metadata's ``rekomi_affiliate_id``


class PaymentSources(Protocol):
    async def subscription_owner(self, org_id: uuid.UUID, subscription_id: str
                                 ) -> Credit | None: ...

    async def coupon_owner(self, org_id: uuid.UUID, code: str) -> Credit | None:
        """The affiliate the code (any case) is assigned to, if it may earn."""

    async def affiliate(self, org_id: uuid.UUID, affiliate_id: str) -> Credit | None:
        """The org's affiliate with this id, if it may earn."""

    async def promotion_codes(self, org_id: uuid.UUID, ids: tuple[str, ...]
                              ) -> list[PromotionCode]:
        """Promotion codes named by id, read from the provider (empty without a key)."""

    async def link_owner(self, org_id: uuid.UUID, slug: str) -> Credit | None: ...

    async def customer_owner(self, org_id: uuid.UUID, customer_id: str) -> Credit | None: ...

    async def email_owner(self, org_id: uuid.UUID, email: str) -> Credit | None: ...


def _as(method: AttributionMethod, found: Credit, slug: str | None = None) -> Credit:
    return Credit(found.affiliate_id, found.program_id, method, slug)


async def credit_payment(org_id: uuid.UUID, p: Payment, sources: PaymentSources
                         ) -> PaymentCredit | None:
    if p.subscription_id:
        known = await sources.subscription_owner(org_id, p.subscription_id)
        if known is not None:
            return PaymentCredit(_as(AttributionMethod.subscription, known))
    coupon = await _coupon(org_id, p, sources)
    if coupon is not None:
        return coupon
    if p.ref:  # a slug, or the loader's whole referral value (``<slug>.<programId>.<t>``)
        link = await sources.link_owner(org_id, p.ref.strip().split(".")[0].lower())
        if link is not None:
            return PaymentCredit(_as(AttributionMethod.metadata_or_customer, link, link.slug))
    if p.customer_id:
        customer = await sources.customer_owner(org_id, p.customer_id)
        if customer is not None:
            return PaymentCredit(_as(AttributionMethod.metadata_or_customer, customer))
    if p.email:
        lead = await sources.email_owner(org_id, p.email.strip().lower())
        if lead is not None:
            return PaymentCredit(_as(AttributionMethod.email_match, lead))
    return None


async def _coupon(org_id: uuid.UUID, p: Payment, sources: PaymentSources
                  ) -> PaymentCredit | None:
    for code in p.codes:
        owner = await sources.coupon_owner(org_id, code)
        if owner is not None:
            return PaymentCredit(_as(AttributionMethod.coupon, owner), code)
    promotions = await sources.promotion_codes(org_id, p.promotion_ids) \
        if p.promotion_ids else []
    for promotion in promotions:
        owner = await sources.coupon_owner(org_id, promotion.code)
        if owner is not None:
            return PaymentCredit(_as(AttributionMethod.coupon, owner), promotion.code)
    named: list[tuple[str | None, str | None]] = [
        (p.coupon_affiliate_id, p.codes[0] if p.codes else None)] + [
        (promo.affiliate_id, promo.code) for promo in promotions]
    for affiliate_id, redeemed in named:
        if affiliate_id:
            named_owner = await sources.affiliate(org_id, affiliate_id)
            if named_owner is not None:
                return PaymentCredit(_as(AttributionMethod.coupon, named_owner), redeemed)
    return None
