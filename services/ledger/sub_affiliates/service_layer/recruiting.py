"""Sub-affiliate recruiting, affiliate side: the caller's recruitment link for a campaign, and
its recruits across its memberships (cursor pages) with what each earned, in its org's home
currency, by the same ``downline_totals`` the brand's drilldown reads."""

from __future__ import annotations

import uuid

import asyncpg

from libs.contracts import me as contract
from libs.shared.db import Conn
from libs.shared.pagination import decode_cursor, page_of
from services.ledger.affiliates.adapters.repository import cursor_of
from services.ledger.affiliates.domain.memberships import scoped
from services.ledger.affiliates.domain.model import Affiliate
from services.ledger.affiliates.service_layer.memberships import members
from services.ledger.metrics.service_layer.queries import home_currency
from services.ledger.programs.adapters.repository import ProgramsRepository
from services.ledger.sub_affiliates.adapters.repository import SubAffiliatesRepository
from services.ledger.sub_affiliates.domain.model import Totals
from services.ledger.sub_affiliates.domain.recruiting import (
    recruit_item,
    recruit_link,
    recruiter,
)
from services.ledger.sub_affiliates.service_layer.totals import downline_totals


async def get_recruit_link(pool: asyncpg.Pool, cmd: contract.GetRecruitLink
                           ) -> contract.RecruitLink:
    """404 ``program_not_found`` unless the campaign is visible to the caller; then 400
    ``sub_affiliate_recruiting_disabled`` while its toggle is off."""
    async with pool.acquire() as conn:
        found = scoped(await members(conn, cmd), program_id=cmd.program_id)
        member, program = recruiter(found, await ProgramsRepository(conn).get(
            found[0].affiliate.org_id, cmd.program_id))
        config = await SubAffiliatesRepository(conn).config(program.org_id, program.id)
    assert config is not None  # the org's own program, just read
    return recruit_link(member, program, config[0])


async def list_recruits(pool: asyncpg.Pool, cmd: contract.ListRecruits) -> contract.RecruitList:
    async with pool.acquire() as conn:
        mine = scoped(await members(conn, cmd), program_id=cmd.program_id)
        page, next_cursor, _ = page_of(await SubAffiliatesRepository(conn).recruits_page(
            [m.affiliate.org_id for m in mine], [m.affiliate.id for m in mine],
            take=cmd.take, after=decode_cursor(cmd.cursor)), cmd.take, cursor_of)
        figures = await _figures(conn, page)
    return contract.RecruitList(items=[
        recruit_item(r, currency=figures[_recruiter_of(r)][0],
                     totals=figures[_recruiter_of(r)][1].get(r.id, Totals()))
        for r in page], next_cursor=next_cursor)


Recruiter = tuple[uuid.UUID, uuid.UUID]  # (org id, recruiter id)


def _recruiter_of(recruit: Affiliate) -> Recruiter:
    assert recruit.recruited_by_affiliate_id is not None  # the page holds recruits only
    return recruit.org_id, recruit.recruited_by_affiliate_id


async def _figures(conn: Conn, page: list[Affiliate]
                   ) -> dict[Recruiter, tuple[str, dict[uuid.UUID, Totals]]]:
    """Per recruiter on the page: its org's home currency and its downline's totals in it."""
    homes: dict[uuid.UUID, str] = {}
    figures: dict[Recruiter, tuple[str, dict[uuid.UUID, Totals]]] = {}
    for org_id, recruiter_id in dict.fromkeys(map(_recruiter_of, page)):
        if org_id not in homes:
            homes[org_id] = await home_currency(conn, org_id)
        figures[(org_id, recruiter_id)] = (homes[org_id], await downline_totals(
            conn, org_id, recruiter_id, homes[org_id]))
    return figures
