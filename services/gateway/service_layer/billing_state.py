"""The billing state: the org's plan and Stripe links (the gateway's org row, and whether
tracking holds a Stripe connection: one indexed read, asked beside the others) and its usage
against the plan's limits, asked of the owners: live affiliates and programs of the ledger,
this month's paid payouts of the payouts service (converted to the home currency by the
ledger's FX rates)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime

import asyncpg

from libs.contracts.billing import (
    ORG_USAGE,
    PAID_SINCE,
    BillingState,
    OrgUsage,
    OrgUsageQuery,
    PaidSince,
    PaidSinceQuery,
)
from libs.contracts.common import as_json
from libs.contracts.fx import NORMALIZE_AMOUNTS, AmountOnDay, NormalizeAmounts, NormalizedAmounts
from libs.contracts.integrations import CONNECTED_PROVIDERS, ConnectedProviders
from libs.shared.bus_rpc import RequestReply
from libs.shared.errors import RekomiError
from services.gateway.domain import billing
from services.gateway.domain.plans import SubscriptionStatus, Tier
from services.gateway.service_layer.org_profile import profile_row

log = logging.getLogger(__name__)
# Amounts the ledger cannot convert: no rate on or before their day, or a currency off the list.
UNCONVERTIBLE = frozenset({"fx_rate_unavailable", "unsupported_currency"})


async def billing_state(pool: asyncpg.Pool, bus: RequestReply, org_id: uuid.UUID,
                        now: datetime) -> BillingState:
    row = await profile_row(pool, org_id)
    usage, paid, providers = await asyncio.gather(
        ORG_USAGE.call(bus, as_json(OrgUsageQuery(org_id=org_id))),
        PAID_SINCE.call(bus, as_json(PaidSinceQuery(org_id=org_id,
                                                    since=billing.month_start(now)))),
        CONNECTED_PROVIDERS.call(bus, {"orgId": str(org_id)}))
    paid_cents = await home_currency_total(bus, PaidSince.model_validate(paid),
                                           row["home_currency"])
    limits = billing.limits_in_force(Tier(row["plan"]),
                                     SubscriptionStatus(row["subscription_status"]))
    return BillingState(
        plan_tier=row["plan"], subscription_status=row["subscription_status"],
        trial_ends_at=row["trial_ends_at"], interval=row["billing_interval"],
        stripe_subscription_id=row["stripe_subscription_id"],
        stripe_customer_linked=row["stripe_customer_linked"],
        # Stripe's events reach Rekomi: its webhook secret is connected (tracking), or the
        # org's Stripe Connect account is linked.
        stripe_connect_linked=(row["stripe_connect_linked"]
                               or ConnectedProviders.model_validate(providers).stripe),
        limits=billing.plan_limits(limits, OrgUsage.model_validate(usage), paid_cents))


async def home_currency_total(bus: RequestReply, paid: PaidSince, home: str) -> int:
    """The payouts in the home currency, each converted at the rate of the day it was paid.
    Without a rate, only the home-currency payouts are counted (logged): a snapshot short of
    what could not be converted is more use than no billing state at all."""
    if all(p.currency == home for p in paid.items):
        return billing.home_currency_cents(paid.items, home)
    try:
        asked = NormalizeAmounts(home_currency=home, items=[
            AmountOnDay(amount_cents=p.amount_cents, currency=p.currency, day=p.day)
            for p in paid.items])
        converted = await NORMALIZE_AMOUNTS.call(bus, as_json(asked))
    except RekomiError as exc:
        if exc.code not in UNCONVERTIBLE:
            raise
        log.warning("billing state: payouts in other currencies left out",
                    extra={"home_currency": home, "error": exc.code, "detail": exc.message})
        return billing.home_currency_cents(paid.items, home)
    return NormalizedAmounts.model_validate(converted).total_cents
