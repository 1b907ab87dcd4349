"""Booking what a stored provider event means (``tracking.provider_event.received``), once.

One transaction per event: it claims the event row (``processed_at`` still null, locked), reads
the event into a fact, attributes a payment, writes the sale under its key in ``s2s_events``
(the key space S2S sales use, so a payment is one sale whatever reports it: a checkout and its
invoice, Stripe's retries, a replay, or the brand's own S2S call with the same id), stages
the ledger's event in the outbox and marks the event processed with its outcome. A
redelivered message finds the event processed and changes nothing; two events of one payment
processed at once insert one sale row (the loser's ``ON CONFLICT`` stages no event).

Refunds, disputes and ended subscriptions go to the ledger as events; which sale they name
comes from the ids recorded with the sale, else from the key the sale would have (the
ledger parks a refund whose sale it has not booked yet)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import NamedTuple

import asyncpg
import orjson

from libs.contracts import attributed as a
from libs.contracts.common import ApiModel
from libs.contracts.integrations import Provider, ProviderEventStored
from libs.shared.bus_rpc import RequestReply
from libs.shared.clock import now_utc
from libs.shared.ids import new_id
from libs.shared.secret_box import OpenedCache
from libs.shared.uow import Transaction, unit_of_work
from services.tracking.adapters.integrations_repository import opened_restricted_key
from services.tracking.adapters.provider_repository import PaidSale, ProviderRepository
from services.tracking.adapters.s2s_repository import S2SRepository
from services.tracking.adapters.stripe_promotions import StripePromotions
from services.tracking.domain import provider_facts as f
from services.tracking.domain.paddle_events import paddle_fact
from services.tracking.domain.payment_credit import PaymentCredit, PromotionCode, credit_payment
from services.tracking.domain.stripe_events import stripe_fact
from services.tracking.service_layer.lookups import Lookups
from services.tracking.service_layer.payment_sources import PaymentLookups
from services.tracking.service_layer.sale_origins import referred, with_origins


def fact_of(provider: Provider, event_type: str, payload: dict[str, object],
            received_at: datetime) -> f.Fact:
    read = stripe_fact if provider is Provider.stripe else paddle_fact
    return read(event_type, payload, received_at)


def _fact(stored: ProviderEventStored, row: asyncpg.Record) -> f.Fact:
    return fact_of(stored.provider, row["event_type"], orjson.loads(row["payload"]),
                   row["received_at"])


class ProviderBooking:
    def __init__(self, pool: asyncpg.Pool, lookups: Lookups, bus: RequestReply,
                 opened: OpenedCache, promotions: StripePromotions) -> None:
        self.pool = pool
        self.lookups = lookups
        self.bus = bus
        self.opened = opened
        self.promotions = promotions

    async def process(self, stored: ProviderEventStored) -> str | None:
        """The event's outcome; None when it was processed before."""
        outcome = await self._book(stored, None)
        if isinstance(outcome, _PromotionsToRead):
            # Read from Stripe outside any transaction (a slow Stripe never holds a database
            # connection or the event's lock), then book again with them.
            outcome = await self._book(stored, await self.promotions.read(*outcome))
        assert not isinstance(outcome, _PromotionsToRead)  # given promotions, it books
        return outcome

    async def _book(self, stored: ProviderEventStored, promotions: list[PromotionCode] | None
                    ) -> str | _PromotionsToRead | None:
        """One transaction: the outcome; or, for a payment that names promotion codes by id
        only (the org having a restricted key) while ``promotions`` is None, what to read
        first (nothing is written then)."""
        async with unit_of_work(self.pool) as tx:
            repo = ProviderRepository(tx.conn, stored.org_id, stored.provider.value)
            row = await repo.claim(stored.event_id)
            if row is None:
                return None
            fact = _fact(stored, row)
            if isinstance(fact, f.Payment) and promotions is None:
                api_key = opened_restricted_key(self.opened, row) if row["id"] else None
                if api_key and fact.promotion_ids:
                    return _PromotionsToRead(api_key, fact.promotion_ids)
            event = _Event(stored, row["payout_grace_days"], tx, repo)
            if isinstance(fact, f.Payment):
                outcome = await self._payment(event, fact, promotions or [])
            else:
                outcome = await event.apply(fact)
            await repo.finish(stored.event_id, outcome, now_utc())
            return outcome

    async def _payment(self, event: _Event, p: f.Payment, promotions: list[PromotionCode]
                       ) -> str:
        if p.renewal and p.subscription_id:
            ended = await event.repo.subscription_end(p.subscription_id)
            if ended is not None and p.occurred_at > ended:
                return "subscription_ended"
        sources = PaymentLookups(event.repo, self.lookups, self.bus, promotions)
        credit = await credit_payment(event.org_id, p, sources)
        if credit is None:
            return "unattributed"
        return await event.book(p, credit)


class _PromotionsToRead(NamedTuple):
    api_key: str
    ids: tuple[str, ...]


class _Event:
    """One claimed event's writes, inside its transaction."""

    def __init__(self, stored: ProviderEventStored, grace_days: int, tx: Transaction,
                 repo: ProviderRepository) -> None:
        self.stored = stored
        self.org_id = stored.org_id
        self.grace_days = grace_days
        self.tx = tx
        self.repo = repo

    async def book(self, p: f.Payment, paid: PaymentCredit) -> str:
        credit = paid.credit
        if p.customer_id:
            await self.repo.remember_customer(p.customer_id, credit.affiliate_id,
                                              credit.program_id, p.occurred_at)
        if p.paid_cents == 0 and p.amount_cents == 0:
            return "nothing_paid"  # a trial's or a free checkout: the customer is credited
        await self.repo.add_payment_refs(PaidSale(p.sale_key, p.paid_cents), p.refs)
        conversion_id = new_id()
        sale = a.AcceptedSale(
            org_id=self.org_id, conversion_id=conversion_id, external_event_id=p.sale_key,
            affiliate_id=credit.affiliate_id, program_id=credit.program_id,
            amount_cents=p.amount_cents, currency=p.currency, customer_id=p.customer_id,
            customer_email=p.email.strip().lower() if p.email else None,
            subscription_id=p.subscription_id, attribution_method=credit.method,
            payout_grace_days=self.grace_days, occurred_at=p.occurred_at,
            link_slug=credit.slug, stripe_customer_id=p.customer_id,
            coupon_code=paid.coupon_code, tax_cents=p.tax_cents)
        row = (self.org_id, p.sale_key, "sale", conversion_id, credit.affiliate_id,
               credit.program_id, p.subscription_id, None, p.occurred_at)
        body = sale.model_dump_json(by_alias=True, exclude_none=True)
        found = referred(0, sale, p.ref)  # the loader's whole value names the sale's click
        if found is not None:
            body = (await with_origins(self.tx.conn, [found])).get(0, body)
        fresh = await S2SRepository(self.tx.conn).accept(
            [row], [((self.org_id, p.sale_key), a.SALE_ACCEPTED, body)], now=now_utc())
        return "booked" if fresh else "duplicate"

    async def apply(self, fact: f.Fact) -> str:
        if isinstance(fact, f.Refund):
            return await self._refund(fact)
        if isinstance(fact, f.Dispute):
            return await self._dispute(fact)
        if isinstance(fact, f.SubscriptionEnded):
            if await self.repo.end_subscription(fact.subscription_id, fact.ended_at):
                await self._publish(a.SUBSCRIPTION_ENDED, a.SubscriptionEnded(
                    org_id=self.org_id, subscription_id=fact.subscription_id,
                    ended_at=fact.ended_at))
            return "subscription_ended"
        assert isinstance(fact, f.Ignored)
        return fact.reason

    async def _sale(self, refs: tuple[str, ...], fallback: str | None) -> PaidSale | None:
        known = await self.repo.sale_of(refs)
        if known is None and fallback is not None:
            return PaidSale(fallback, 0)  # not recorded (yet): the ledger parks what names it
        return known

    async def _refund(self, r: f.Refund) -> str:
        sale = await self._sale(r.refs, r.sale_key)
        if sale is None:
            return "sale_unknown"
        refunded, paid = r.refunded_cents, r.paid_cents
        if r.refund_id is not None:  # one adjustment of many: the sale's share is their sum
            await self.repo.add_refund(r.refund_id, sale.sale_key, r.refunded_cents)
            refunded, paid = await self.repo.refunded(sale.sale_key), sale.paid_cents or None
        if not r.whole and paid is None:
            return "sale_unknown"
        whole = r.whole or (paid is not None and refunded >= paid)
        await self._publish(a.REFUND_ACCEPTED, a.AcceptedRefund(
            org_id=self.org_id, external_event_id=self.stored.event_id,
            sale_external_event_id=sale.sale_key, occurred_at=r.occurred_at,
            refunded_cents=None if whole else refunded, paid_cents=None if whole else paid))
        return "refunded"

    async def _dispute(self, d: f.Dispute) -> str:
        sale = await self._sale(d.refs, d.sale_key)
        if sale is None:
            return "sale_unknown"
        if d.won is None:
            await self._publish(a.DISPUTE_OPENED, a.DisputeOpened(
                org_id=self.org_id, dispute_id=d.dispute_id,
                sale_external_event_id=sale.sale_key, occurred_at=d.occurred_at))
            return "dispute_opened"
        await self._publish(a.DISPUTE_CLOSED, a.DisputeClosed(
            org_id=self.org_id, dispute_id=d.dispute_id, sale_external_event_id=sale.sale_key,
            won=d.won, occurred_at=d.occurred_at))
        return "dispute_won" if d.won else "dispute_lost"

    async def _publish(self, routing_key: str, model: ApiModel) -> uuid.UUID:
        return await self.tx.publish(routing_key, model.model_dump(mode="json", by_alias=True))
