"""Which affiliate a sale credits, first match wins: a subscription this org sold before (a
renewal goes to the subscription's affiliate whatever the request names), the
``affiliateSlug``, then the first lead with the ``customerEmail`` (email match). The rule is
here; the lookups it needs are the caller's (``CreditSources``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from libs.contracts.attribution_methods import AttributionMethod
from services.tracking.domain.errors import NoAttribution


@dataclass(frozen=True, slots=True)
class Credit:
    affiliate_id: uuid.UUID
    program_id: uuid.UUID
    method: AttributionMethod | None  # None: named by slug (the reference's value for S2S)
    slug: str | None = None  # the link that credited the sale, when a link did


class Row(Protocol):
    """A stored row read by column name (an asyncpg record)."""

    def __getitem__(self, column: str) -> Any: ...


def credit_of(row: Row | None) -> Credit | None:
    """The credit a stored row (a sale, a lead, a customer) names: its affiliate and program;
    the method is the caller's to say."""
    return Credit(row["affiliate_id"], row["program_id"], None) if row else None


@dataclass(frozen=True, slots=True)
class SaleFacts:
    org_id: uuid.UUID
    slug: str | None
    subscription_id: str | None
    email: str | None
    # The slug's link, when the caller resolved it already (a one-time sale's slug is checked
    # before the sale queues for its commit).
    slug_credit: Credit | None = None


class CreditSources(Protocol):
    async def subscription_owner(self, org_id: uuid.UUID, subscription_id: str
                                 ) -> Credit | None:
        """The affiliate of this org's earlier sale of the subscription."""

    async def slug_owner(self, org_id: uuid.UUID, slug: str) -> Credit:
        """The affiliate of the org's live link with this slug; raises when there is none."""

    async def email_owner(self, org_id: uuid.UUID, email: str) -> Credit | None:
        """The affiliate of the org's first lead with this e-mail."""


async def credit_sale(sale: SaleFacts, sources: CreditSources) -> Credit:
    slug_credit = sale.slug_credit
    if sale.subscription_id:
        known = await sources.subscription_owner(sale.org_id, sale.subscription_id)
        if known is not None:
            return Credit(known.affiliate_id, known.program_id,
                          None if sale.slug else AttributionMethod.subscription)
        if sale.slug:  # the subscription's first sale: its slug must be a live link
            slug_credit = await sources.slug_owner(sale.org_id, sale.slug)
    if slug_credit is not None:
        return slug_credit
    if sale.email:
        lead = await sources.email_owner(sale.org_id, sale.email)
        if lead is not None:
            return Credit(lead.affiliate_id, lead.program_id, AttributionMethod.email_match)
    raise NoAttribution(
        "no affiliate found for this sale: no affiliateSlug, no earlier sale of this "
        "subscriptionId and no lead with this customerEmail", field="affiliateSlug")
