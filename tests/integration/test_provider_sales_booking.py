"""A Stripe or Paddle sale as tracking accepts it (issue 23), booked on the real ledger schema,
one by one and set-wise: the provider's customer and the redeemed code are on the conversion
the API lists, and its tax earns commission only when the program says so."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from libs.contracts.attributed import AcceptedSale
from libs.contracts.common import as_json
from libs.contracts.conversions import ListConversions
from libs.contracts.programs import UpdateProgram
from libs.shared.uow import unit_of_work
from services.ledger.conversions.service_layer.booking_batch import book_batch
from services.ledger.conversions.service_layer.queries import list_conversions
from services.ledger.programs.service_layer.handlers import update_program
from tests.common.ledger_booking import ACTOR, Program, book, new_program, sale


def provider_sale(p: Program, event_id: str) -> AcceptedSale:
    return AcceptedSale.model_validate({
        **sale(p, event_id), "stripeCustomerId": "cus_9", "couponCode": "SPRING",
        "attributionMethod": "coupon", "taxCents": 1000})


async def listed(pool: asyncpg.Pool, p: Program) -> list[dict[str, Any]]:
    page = as_json(await list_conversions(pool, ListConversions.model_validate(
        {"orgId": p.org_id, "programId": p.program_id})))
    shown = [{k: c[k] for k in ("amountCents", "commissionCents", "stripeCustomerId",
                                "couponCode", "attributionMethod")} for c in page["items"]]
    return sorted(shown, key=lambda c: -c["amountCents"])  # the sale, then its override


async def include_tax(pool: asyncpg.Pool, p: Program) -> None:
    shown = await update_program(pool, UpdateProgram.model_validate({
        "orgId": p.org_id, "actor": ACTOR, "programId": p.program_id,
        "data": {"commissionIncludesTax": True}}))
    assert shown.commission_includes_tax is True


@pytest.mark.parametrize("batch", [False, True])
async def test_a_provider_sale_books_its_customer_and_coupon_net_of_tax(
        pool: asyncpg.Pool, batch: bool) -> None:
    p = await new_program(pool)
    if batch:
        async with unit_of_work(pool) as tx:
            await book_batch(tx, [provider_sale(p, "in_tax")])
    else:
        await book(pool, provider_sale(p, "in_tax"))
    # The override is the recruiter's row: no customer, no code of its own.
    assert await listed(pool, p) == [
        {"amountCents": 9900, "commissionCents": 1980, "stripeCustomerId": "cus_9",
         "couponCode": "SPRING", "attributionMethod": "coupon"},
        {"amountCents": 0, "commissionCents": 198, "stripeCustomerId": None,
         "couponCode": None, "attributionMethod": "sub_affiliate_override"}]


@pytest.mark.parametrize("batch", [False, True])
async def test_a_program_that_counts_tax_books_it_into_the_amount_and_the_commission(
        pool: asyncpg.Pool, batch: bool) -> None:
    p = await new_program(pool)
    await include_tax(pool, p)
    if batch:
        async with unit_of_work(pool) as tx:
            await book_batch(tx, [provider_sale(p, "in_taxed")])
    else:
        await book(pool, provider_sale(p, "in_taxed"))
    assert [(c["amountCents"], c["commissionCents"]) for c in await listed(pool, p)] == [
        (10900, 2180), (0, 218)]


async def test_a_sale_without_tax_books_as_before_whatever_the_setting(
        pool: asyncpg.Pool) -> None:
    p = await new_program(pool)
    await include_tax(pool, p)
    await book(pool, AcceptedSale.model_validate(sale(p, "in_s2s")))
    assert await listed(pool, p) == [
        {"amountCents": 9900, "commissionCents": 1980, "stripeCustomerId": None,
         "couponCode": None, "attributionMethod": None},
        {"amountCents": 0, "commissionCents": 198, "stripeCustomerId": None,
         "couponCode": None, "attributionMethod": "sub_affiliate_override"}]
