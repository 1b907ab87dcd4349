"""The sale-attribution rule, first match wins: subscription, slug, e-mail."""

from __future__ import annotations

import uuid

import pytest

from services.tracking.domain.errors import AffiliateSlugNotFound, NoAttribution
from services.tracking.domain.sale_credit import Credit, SaleFacts, credit_sale

ORG = uuid.uuid4()
RENEWED = Credit(uuid.uuid4(), uuid.uuid4(), None)
SLUGGED = Credit(uuid.uuid4(), uuid.uuid4(), None)
LEAD = Credit(uuid.uuid4(), uuid.uuid4(), None)


class Sources:
    """What the org has on record: one subscription, one live slug, one lead."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def subscription_owner(self, org_id: uuid.UUID, subscription_id: str
                                 ) -> Credit | None:
        self.asked.append("subscription")
        return RENEWED if subscription_id == "sub_old" else None

    async def slug_owner(self, org_id: uuid.UUID, slug: str) -> Credit:
        self.asked.append("slug")
        if slug != "anna":
            raise AffiliateSlugNotFound("no such slug")
        return SLUGGED

    async def email_owner(self, org_id: uuid.UUID, email: str) -> Credit | None:
        self.asked.append("email")
        return LEAD if email == "lead@x.test" else None


def facts(slug: str | None = None, subscription: str | None = None,
          email: str | None = None) -> SaleFacts:
    return SaleFacts(ORG, slug, subscription, email)


async def test_a_renewal_credits_the_subscriptions_affiliate_whatever_slug_it_names() -> None:
    credit = await credit_sale(facts("someone-else", "sub_old", "lead@x.test"), Sources())
    assert (credit.affiliate_id, credit.method) == (RENEWED.affiliate_id, None)
    slugless = await credit_sale(facts(None, "sub_old"), Sources())
    assert (slugless.affiliate_id, slugless.method) == (RENEWED.affiliate_id, "subscription")


async def test_a_new_subscriptions_slug_must_be_live() -> None:
    assert (await credit_sale(facts("anna", "sub_new"), Sources())) == SLUGGED
    with pytest.raises(AffiliateSlugNotFound):
        await credit_sale(facts("ghost", "sub_new", "lead@x.test"), Sources())


async def test_a_resolved_slug_wins_over_the_email_and_is_not_looked_up_again() -> None:
    sources = Sources()
    sale = SaleFacts(ORG, "anna", None, "lead@x.test", slug_credit=SLUGGED)
    assert await credit_sale(sale, sources) == SLUGGED
    assert sources.asked == []


async def test_without_slug_or_subscription_the_first_lead_of_the_email_is_credited() -> None:
    credit = await credit_sale(facts(email="lead@x.test"), Sources())
    assert (credit.affiliate_id, credit.method) == (LEAD.affiliate_id, "email_match")


async def test_nothing_to_credit_is_refused_naming_the_slug() -> None:
    with pytest.raises(NoAttribution) as refused:
        await credit_sale(facts(email="stranger@x.test", subscription="sub_new"), Sources())
    assert refused.value.field == "affiliateSlug"
