"""Accepting S2S sales and refunds (leads: ``leads.py``): attribute each to an affiliate,
make it durable under its (org, externalEventId) key with the event for the ledger in the same
transaction, and only then answer. The ledger books the conversion from the bus.

Sales go through a group commit: concurrent requests share one transaction, so the answer still
waits for a commit but a busy second costs a few commits instead of thousands.

Which affiliate a sale credits is the domain's rule (``domain/sale_credit.py``); a batch
answers its lookups, its own earlier sales first.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from libs.contracts.attributed import (
    REFUND_ACCEPTED,
    SALE_ACCEPTED,
    AcceptedRefund,
    AcceptedSale,
)
from libs.contracts.s2s import (
    Accepted,
    AcceptSale,
)
from libs.shared.clock import now_utc
from libs.shared.group_commit import GroupCommit
from libs.shared.ids import new_id
from services.tracking.adapters.s2s_repository import S2SRepository
from services.tracking.domain.errors import (
    AffiliateSlugNotFound,
    NoAttribution,
    SaleNotFound,
)
from services.tracking.domain.sale_credit import Credit, SaleFacts, credit_of, credit_sale
from services.tracking.service_layer.lookups import Link, Lookups, Tracking
from services.tracking.service_layer.sale_origins import Referred, referred, with_origins


def deduped(conversion_id: uuid.UUID | None) -> Accepted:
    """The answer to a repeated key: the id its first copy was accepted under, so a client
    whose first try timed out (and was booked) still learns it."""
    return Accepted(ok=True, deduped=True, conversion_id=conversion_id)


@dataclass(slots=True)
class Pending:
    cmd: AcceptSale
    link: Link | None
    at: datetime


async def org_link(lookups: Lookups, org_id: uuid.UUID, slug: str) -> Link:
    link = await lookups.live_link(slug.strip().lower())
    if link is None or link.org_id != org_id:
        raise AffiliateSlugNotFound(
            "no approved affiliate in your organization has a link with this slug",
            field="affiliateSlug")
    return link


class SaleIntake:
    """S2S sales and refunds, accepted through one group commit per replica."""

    def __init__(self, pool: asyncpg.Pool, lookups: Lookups, *, max_batch: int = 256) -> None:
        self.pool = pool
        self.lookups = lookups
        self.commits: GroupCommit[Pending, Accepted] = GroupCommit(
            self._flush, max_batch=max_batch)

    async def accept(self, cmd: AcceptSale) -> Accepted:
        data = cmd.data
        link = None
        # A renewal's slug is only looked at if its subscription turns out to be new (below).
        if data.event_type == "sale" and data.affiliate_slug and not data.subscription_id:
            link = await org_link(self.lookups, cmd.org_id, data.affiliate_slug)
        return await self.commits.submit(Pending(cmd, link, now_utc()))

    async def _flush(self, batch: list[Pending]) -> list[Accepted | Exception]:
        # No transaction: the batch's only write is one statement (``S2SRepository.accept``);
        # the lookups before it (a renewal's subscription, a refund's sale, an e-mail's lead)
        # read committed rows, as they would inside one.
        async with self.pool.acquire() as conn:
            return await _Batch(S2SRepository(conn), self.lookups).write(batch)


class _Batch:
    """One group commit: rows and events in arrival order; a later copy of a key in the same
    batch is answered deduped with the first copy's id, a renewal or refund may name a sale
    earlier in the batch."""

    def __init__(self, repo: S2SRepository, lookups: Lookups) -> None:
        self.repo = repo
        self.lookups = lookups
        self.sales: dict[tuple[uuid.UUID, str], tuple[uuid.UUID, Credit]] = {}
        self.subscriptions: dict[tuple[uuid.UUID, str], Credit] = {}
        self.keys: set[tuple[uuid.UUID, str]] = set()
        self.rows: list[tuple[object, ...]] = []
        self.events: list[tuple[tuple[uuid.UUID, str], str, str]] = []
        self.referred: list[Referred] = []  # sales whose referral names their own link

    async def write(self, batch: list[Pending]) -> list[Accepted | Exception]:
        results: list[_Answer | _Copy | Exception] = []
        for item in batch:
            key = (item.cmd.org_id, item.cmd.data.external_event_id)
            if key in self.keys:
                results.append(_Copy(key))
                continue
            try:
                results.append(await self._prepare(item, key))
            except (AffiliateSlugNotFound, NoAttribution, SaleNotFound) as exc:
                results.append(exc)
                continue
            self.keys.add(key)
        if self.referred:  # one query for the batch's originating clicks
            for index, body in (await with_origins(self.repo.conn, self.referred)).items():
                self.events[index] = (*self.events[index][:2], body)
        fresh = await self.repo.accept(self.rows, self.events,
                                       now=max(item.at for item in batch)) if self.rows \
            else set()
        first_ids = await self._first_ids(results, fresh)
        return [_final(r, fresh, first_ids) for r in results]

    async def _first_ids(self, results: list[_Answer | _Copy | Exception],
                         fresh: set[tuple[uuid.UUID, str]]
                         ) -> dict[tuple[uuid.UUID, str], uuid.UUID]:
        """The conversion id each key of the batch was first accepted under: this batch's
        own for the fresh keys; the stored one, in one more query, for keys committed before
        (a batch without such repeats costs nothing more)."""
        ids = {r.key: r.reply.conversion_id for r in results
               if isinstance(r, _Answer) and r.key in fresh and r.reply.conversion_id}
        repeated = {r.key for r in results if isinstance(r, _Answer | _Copy)} - fresh
        if repeated:
            ids.update(await self.repo.conversion_ids(repeated))
        return ids

    async def _prepare(self, item: Pending, key: tuple[uuid.UUID, str]) -> _Answer:
        cmd, data = item.cmd, item.cmd.data
        if data.event_type == "refund":
            return await self._refund(item, key)
        credit = await credit_sale(SaleFacts(
            cmd.org_id, data.affiliate_slug, data.subscription_id, data.customer_email,
            slug_credit=_slug_credit(item.link) if item.link else None), self)
        conversion_id = new_id()
        self.rows.append((cmd.org_id, data.external_event_id, "sale", conversion_id,
                          credit.affiliate_id, credit.program_id, data.subscription_id, None,
                          item.at))
        self.sales[key] = (conversion_id, credit)
        if data.subscription_id:
            self.subscriptions.setdefault((cmd.org_id, data.subscription_id), credit)
        assert data.amount_cents is not None and data.currency is not None  # the model checks
        sale = AcceptedSale(
            org_id=cmd.org_id, conversion_id=conversion_id,
            external_event_id=data.external_event_id, affiliate_id=credit.affiliate_id,
            program_id=credit.program_id, amount_cents=data.amount_cents,
            currency=data.currency, customer_id=data.customer_id,
            customer_email=_email(data.customer_email), subscription_id=data.subscription_id,
            attribution_method=credit.method, payout_grace_days=cmd.payout_grace_days,
            occurred_at=item.at, link_slug=credit.slug)
        found = referred(len(self.events), sale, data.referral)
        if found is not None:
            self.referred.append(found)
        # Keys without a value are left out: a ledger that predates them books the sale.
        self.events.append((key, SALE_ACCEPTED, sale.model_dump_json(
            by_alias=True, exclude={"origin"} | ({"link_slug"} if credit.slug is None
                                                 else set()))))
        return _Answer(key, Accepted(ok=True, conversion_id=conversion_id))

    # ---- CreditSources: what ``credit_sale`` looks up, this batch's sales first ----------
    async def subscription_owner(self, org_id: uuid.UUID, subscription_id: str
                                 ) -> Credit | None:
        known = self.subscriptions.get((org_id, subscription_id))
        if known is not None:
            return known
        return credit_of(await self.repo.subscription_owner(org_id, subscription_id))

    async def slug_owner(self, org_id: uuid.UUID, slug: str) -> Credit:
        return _slug_credit(await org_link(self.lookups, org_id, slug))

    async def email_owner(self, org_id: uuid.UUID, email: str) -> Credit | None:
        return credit_of(await self.repo.lead_of_email(org_id, _email(email) or ""))

    async def _refund(self, item: Pending, key: tuple[uuid.UUID, str]) -> _Answer:
        cmd, data = item.cmd, item.cmd.data
        assert data.refund_of is not None  # the model checks
        row = await self.repo.sale(cmd.org_id, data.refund_of)
        if row is not None:
            conversion_id = row["conversion_id"]
            credit = Credit(row["affiliate_id"], row["program_id"], None)
        elif (cmd.org_id, data.refund_of) in self.sales:  # sold earlier in this batch
            conversion_id, credit = self.sales[(cmd.org_id, data.refund_of)]
        else:
            raise SaleNotFound("no sale with this externalEventId in your organization",
                               field="refundOf")
        self.rows.append((cmd.org_id, data.external_event_id, "refund", conversion_id,
                          credit.affiliate_id, credit.program_id, None, data.refund_of,
                          item.at))
        refund = AcceptedRefund(
            org_id=cmd.org_id, external_event_id=data.external_event_id,
            sale_external_event_id=data.refund_of, occurred_at=item.at,
        ).model_dump_json(by_alias=True)
        self.events.append((key, REFUND_ACCEPTED, refund))
        return _Answer(key, Accepted(ok=True, conversion_id=conversion_id))


@dataclass(frozen=True, slots=True)
class _Answer:
    key: tuple[uuid.UUID, str]
    reply: Accepted


@dataclass(frozen=True, slots=True)
class _Copy:
    """A later copy of a key prepared earlier in the same batch."""

    key: tuple[uuid.UUID, str]


def _final(result: _Answer | _Copy | Exception, fresh: set[tuple[uuid.UUID, str]],
           first_ids: dict[tuple[uuid.UUID, str], uuid.UUID]) -> Accepted | Exception:
    """A prepared answer stands only if its row was new (a committed copy dedupes it); a
    deduped answer carries the key's first conversion id."""
    if isinstance(result, _Answer) and result.key in fresh:
        return result.reply
    if isinstance(result, _Answer | _Copy):
        return deduped(first_ids.get(result.key))
    return result


def _slug_credit(link: Link) -> Credit:
    return Credit(link.affiliate_id, link.program_id, None, link.slug)


def _email(value: str | None) -> str | None:
    return value.strip().lower() if value else None


async def accept_sale(t: Tracking, cmd: AcceptSale) -> Accepted:
    return await t.sales.accept(cmd)
