"""Where an affiliate is paid: set by an operator (``rekomi admin payout-details``) or by the
affiliate itself (``/me/payout-details``), through one change that is audit-logged in the
affiliate's org without the values, which stay private; read back by the affiliate masked."""

from __future__ import annotations

import uuid
from collections import defaultdict

import asyncpg

from libs.contracts.common import Actor
from libs.contracts.me_payouts import (
    GetMyPayoutDetails,
    MyPayoutDetailsList,
    PutMyPayoutDetails,
)
from libs.contracts.payables import PayoutDetailsSet, SetPayoutDetails
from libs.shared.clock import now_utc
from libs.shared.uow import Transaction, unit_of_work
from services.ledger.affiliates.domain.memberships import Member, scoped
from services.ledger.affiliates.service_layer.memberships import members
from services.ledger.domain.errors import AffiliateNotFound
from services.ledger.payables.adapters.repository import PayablesRepository
from services.ledger.payables.domain.eligibility import Payee
from services.ledger.payables.domain.masking import details_view


async def set_payout_details(pool: asyncpg.Pool, cmd: SetPayoutDetails) -> PayoutDetailsSet:
    """The operator's command: any affiliate, by id alone."""
    async with unit_of_work(pool) as tx:
        org_id = await PayablesRepository(tx.conn).org_of_affiliate(cmd.affiliate_id)
        if org_id is None:
            raise AffiliateNotFound("affiliate not found")
        after = await change_details(tx, cmd.actor, org_id, cmd.affiliate_id,
                                     cmd.data.model_dump(exclude_unset=True))
    return methods_of(after)


async def change_details(tx: Transaction, actor: Actor, org_id: uuid.UUID,
                         affiliate_id: uuid.UUID, sent: dict[str, str | None]) -> Payee:
    """Set the keys ``sent`` (already validated by ``PayoutDetails``); audit which methods the
    affiliate can be paid by before and after."""
    repo = PayablesRepository(tx.conn)
    before = (await repo.payees(org_id, [affiliate_id]))[affiliate_id]
    after = await repo.set_payout_details(affiliate_id, sent)
    await tx.audit(org_id=org_id, actor=actor, action="affiliate.payout_details_changed",
                   entity_type="affiliate", entity_id=str(affiliate_id),
                   before=methods_of(before), after=methods_of(after), created_at=now_utc())
    return after


def methods_of(p: Payee) -> PayoutDetailsSet:
    return PayoutDetailsSet(affiliate_id=p.affiliate_id, stripe_connect=bool(p.stripe_account_id),
                            paypal=bool(p.paypal_email), wise=bool(p.wise_recipient_id))


async def my_payout_details(pool: asyncpg.Pool, cmd: GetMyPayoutDetails
                            ) -> MyPayoutDetailsList:
    async with pool.acquire() as conn:
        found = await members(conn, cmd)
        payees = await _payees(PayablesRepository(conn), found)
    return MyPayoutDetailsList(items=[details_view(m, payees[m.affiliate.id]) for m in found])


async def put_my_payout_details(pool: asyncpg.Pool, cmd: PutMyPayoutDetails
                                ) -> MyPayoutDetailsList:
    """One membership (``affiliateId``; another's is 404) or all of them, in one transaction
    (each affiliate row written in id order, so two such changes never deadlock)."""
    sent = cmd.data.changes()
    async with unit_of_work(pool) as tx:
        chosen = scoped(await members(tx.conn, cmd), affiliate_id=cmd.data.affiliate_id)
        after = {m.affiliate.id: await change_details(tx, cmd.actor, m.affiliate.org_id,
                                                      m.affiliate.id, sent)
                 for m in sorted(chosen, key=lambda m: m.affiliate.id)}
    return MyPayoutDetailsList(items=[details_view(m, after[m.affiliate.id]) for m in chosen])


async def _payees(repo: PayablesRepository, found: list[Member]) -> dict[uuid.UUID, Payee]:
    by_org: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for m in found:
        by_org[m.affiliate.org_id].append(m.affiliate.id)
    payees: dict[uuid.UUID, Payee] = {}
    for org_id, ids in by_org.items():
        payees.update(await repo.payees(org_id, ids))
    return payees
