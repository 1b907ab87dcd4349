"""A conversion's ``attributionMethod``: how its affiliate was found. The reference shows ``null``
for S2S; Rekomi keeps ``null`` for an S2S sale or lead that named its affiliate's slug and says
how otherwise. Every service that books a conversion writes one of these (a reply carrying any
other value fails validation), and the schema, the field's description and the README's table
are all built from or checked against ``ATTRIBUTION_METHODS``."""

from __future__ import annotations

from enum import StrEnum


class AttributionMethod(StrEnum):
    """How a conversion's affiliate was found (`null`: an S2S sale or lead named its slug)."""

    subscription = "subscription"
    email_match = "email_match"
    sub_affiliate_override = "sub_affiliate_override"
    cpc_aggregation = "cpc_aggregation"
    imported = "import"
    coupon = "coupon"
    metadata_or_customer = "metadata_or_customer"


# Every value, and when a conversion gets it.
ATTRIBUTION_METHODS: dict[AttributionMethod | None, str] = {
    None: "an S2S sale or lead that named its affiliate by `affiliateSlug` (a renewal that "
          "sent one too)",
    AttributionMethod.subscription: "a renewal (an S2S one sent without `affiliateSlug`, or a "
                                    "Stripe or Paddle subscription's later payment): credited "
                                    "to the affiliate of the subscription's first sale",
    AttributionMethod.email_match: "an S2S sale without `affiliateSlug`, or a Stripe or Paddle "
                                   "payment no coupon, referral or known customer credits (and "
                                   "no earlier sale of its subscription): credited to the "
                                   "affiliate of the org's first lead with its e-mail",
    AttributionMethod.sub_affiliate_override: "the recruiter's override of a sub-affiliate's "
                                              "sale (`amountCents` 0, "
                                              "`parentAffiliateConversionId` set)",
    AttributionMethod.cpc_aggregation: "a ClickReward booked from one bucket of an affiliate's "
                                       "clicks on a CPC program",
    AttributionMethod.imported: "a row of `POST /api/v1/conversions/import` (historical "
                                "import)",
    AttributionMethod.coupon: "a Stripe or Paddle payment that redeemed a code assigned to "
                              "the affiliate (a promotion code, a coupon id or a Paddle "
                              "discount id; `couponCode` is the code redeemed), or a Stripe "
                              "promotion code whose metadata `rekomi_affiliate_id` names it",
    AttributionMethod.metadata_or_customer: "a Stripe or Paddle payment whose checkout carried "
                                            "the affiliate's link slug (metadata `rekomi_ref`, "
                                            "`client_reference_id` or Paddle `custom_data`), "
                                            "or whose customer an earlier payment credited",
}


def _description() -> str:
    lines = "; ".join(f"`{'null' if value is None else value.value}`: {when}"
                      for value, when in ATTRIBUTION_METHODS.items())
    return f"How the affiliate was found. {lines}."


ATTRIBUTION_METHOD_DESCRIPTION = _description()
