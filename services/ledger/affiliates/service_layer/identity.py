"""Who a signed-in affiliate is: the live affiliate rows of one verified e-mail, across orgs
(``libs/contracts/affiliate_sessions.py``). E-mails are stored lower-cased, and so is the one
asked about."""

from __future__ import annotations

import asyncpg

from libs.contracts.affiliate_sessions import AffiliateIdentity, Membership, ResolveIdentity
from services.ledger.affiliates.domain.model import normalize_email

# Oldest first, so a person's memberships keep their order between calls.
MEMBERSHIPS = ("SELECT org_id, id, program_id, status FROM affiliates "
               "WHERE email = $1 AND deleted_at IS NULL ORDER BY created_at, id")


async def resolve_identity(pool: asyncpg.Pool, cmd: ResolveIdentity) -> AffiliateIdentity:
    async with pool.acquire() as conn:
        email = normalize_email(cmd.email) if cmd.email is not None else await conn.fetchval(
            "SELECT email FROM affiliates WHERE id = $1 AND deleted_at IS NULL",
            cmd.affiliate_id)
        rows = await conn.fetch(MEMBERSHIPS, email) if email is not None else []
    return AffiliateIdentity(email=email, memberships=[
        Membership(org_id=r["org_id"], affiliate_id=r["id"], program_id=r["program_id"],
                   status=r["status"]) for r in rows])
