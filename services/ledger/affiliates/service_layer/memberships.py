"""The affiliate side's memberships: which of the caller's memberships the ledger holds (every
``/me`` use case starts here), and the memberships list with each one's balances."""

from __future__ import annotations

import asyncpg

from libs.contracts.affiliate_sessions import MeScoped
from libs.contracts.me import ListMemberships, MyMembershipList
from libs.shared.db import Conn
from services.ledger.affiliates.adapters.repository import AffiliatesRepository
from services.ledger.affiliates.domain.memberships import (
    Member,
    members_of,
    membership_view,
    program_ids,
)
from services.ledger.conversions.adapters.balances_repository import balances_of
from services.ledger.programs.adapters.repository import ProgramsRepository


async def members(conn: Conn, cmd: MeScoped) -> list[Member]:
    """The caller's live memberships, oldest first; a deleted affiliate, or a pair whose
    affiliate is another org's, is none of them."""
    return members_of(cmd.memberships,
                      await AffiliatesRepository(conn).of_memberships(*cmd.pairs()))


async def list_memberships(pool: asyncpg.Pool, cmd: ListMemberships, *, base_url: str
                           ) -> MyMembershipList:
    """``base_url``: the gateway's public base, which the short links are on."""
    async with pool.acquire() as conn:
        found = await members(conn, cmd)
        programs = await ProgramsRepository(conn).by_ids(program_ids(found))
        balances = await balances_of(conn, [m.affiliate.org_id for m in found],
                                     [m.affiliate.id for m in found])
    return MyMembershipList(items=[
        membership_view(m, programs[m.affiliate.program_id], balances.get(m.affiliate.id, []),
                        base_url=base_url) for m in found])
