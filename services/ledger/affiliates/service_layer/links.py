"""Giving an affiliate its default link: a requested slug when free, else a generated one."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from libs.contracts.s2s import LinkBySlug, ResolvedLink
from libs.shared.ids import new_id
from services.ledger.affiliates.adapters.repository import AffiliatesRepository
from services.ledger.affiliates.domain.links import Link, check_slug, generated_slug
from services.ledger.affiliates.domain.model import Affiliate
from services.ledger.domain.errors import AliasTaken

MAX_ATTEMPTS = 8


def _link(affiliate: Affiliate, slug: str, alias: str | None, now: datetime) -> Link:
    return Link(id=new_id(), org_id=affiliate.org_id, affiliate_id=affiliate.id, slug=slug,
                custom_alias=alias, is_default=True, format="Short", created_at=now)


async def add_default_link(repo: AffiliatesRepository, affiliate: Affiliate, *,
                           alias: str | None, now: datetime, alias_field: str = "customAlias"
                           ) -> Link:
    """With ``alias``: that slug or 409 ``alias_already_taken``. Without: a generated slug."""
    if alias is not None:
        check_slug(alias, field=alias_field)
        link = _link(affiliate, alias, alias, now)
        if not await repo.add_link(link):
            raise AliasTaken(f"{alias!r} is already taken", field=alias_field)
        return link
    return await add_generated_link(repo, affiliate, now=now)


async def add_generated_link(repo: AffiliatesRepository, affiliate: Affiliate, *,
                             now: datetime, preferred: str | None = None) -> Link:
    """``preferred`` first when given (import and invite slug preservation), then fresh ones."""
    if preferred is not None:
        link = _link(affiliate, preferred, None, now)
        if await repo.add_link(link):
            return link
    for _ in range(MAX_ATTEMPTS):
        link = _link(affiliate, generated_slug(affiliate.full_name, affiliate.email), None, now)
        if await repo.add_link(link):
            return link
    raise RuntimeError("could not generate a free link slug")


async def resolve_link(pool: asyncpg.Pool, cmd: LinkBySlug) -> ResolvedLink | None:
    """Tracking asks when its link index has not seen a slug yet: the live link of an Approved,
    not deleted affiliate (the index's own rule), or None."""
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT l.org_id, a.program_id, a.id FROM affiliate_links l "
            "JOIN affiliates a ON a.id = l.affiliate_id WHERE l.slug = $1 "
            "AND a.status = 'Approved' AND a.deleted_at IS NULL", cmd.slug.strip().lower())
    if row is None:
        return None
    return ResolvedLink(org_id=row["org_id"], program_id=row["program_id"],
                        affiliate_id=row["id"])
