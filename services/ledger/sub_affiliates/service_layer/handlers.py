"""Sub-affiliate recruiting, brand side: read and replace a program's config (audited), and
list an affiliate's recruits with what each earned and what the affiliate earned from it."""

from __future__ import annotations

import asyncpg

from libs.contracts import subaffiliates as contract
from libs.shared.clock import now_utc
from libs.shared.uow import unit_of_work
from services.ledger.affiliates.adapters.repository import AffiliatesRepository
from services.ledger.domain.errors import AffiliateNotFound, ProgramArchived, ProgramNotFound
from services.ledger.sub_affiliates.adapters.repository import SubAffiliatesRepository
from services.ledger.sub_affiliates.domain.model import (
    SubAffiliateConfig,
    Totals,
    config_response,
    downline_item,
)
from services.ledger.sub_affiliates.service_layer.totals import downline_totals


async def get_config(pool: asyncpg.Pool, cmd: contract.GetSubAffiliateConfig
                     ) -> contract.SubAffiliateConfig:
    async with pool.acquire() as conn:
        found = await SubAffiliatesRepository(conn).config(cmd.org_id, cmd.program_id)
    if found is None or found[1]:  # an archived program's sub-resources are gone with it
        raise ProgramNotFound("program not found")
    return config_response(found[0])


async def put_config(pool: asyncpg.Pool, cmd: contract.PutSubAffiliateConfig
                     ) -> contract.SubAffiliateConfig:
    wanted = SubAffiliateConfig(cmd.data.enabled, cmd.data.percent)
    async with unit_of_work(pool) as tx:
        repo = SubAffiliatesRepository(tx.conn)
        found = await repo.config(cmd.org_id, cmd.program_id, lock=True)
        if found is None:
            raise ProgramNotFound("program not found")
        before, archived = found
        if archived:
            raise ProgramArchived("an archived program cannot be changed")
        if before != wanted:
            await repo.save_config(cmd.org_id, cmd.program_id, wanted)
            await tx.audit(org_id=cmd.org_id, actor=cmd.actor,
                           action="program.sub_affiliate_config_changed",
                           entity_type="program", entity_id=str(cmd.program_id),
                           before=config_response(before), after=config_response(wanted),
                           created_at=now_utc())
    return config_response(wanted)


async def list_sub_affiliates(pool: asyncpg.Pool, cmd: contract.ListSubAffiliates
                              ) -> contract.SubAffiliateList:
    async with pool.acquire() as conn:
        if await AffiliatesRepository(conn).get(cmd.org_id, cmd.affiliate_id) is None:
            raise AffiliateNotFound("affiliate not found")
        recruits = await SubAffiliatesRepository(conn).recruits(cmd.org_id, cmd.affiliate_id)
        totals = await downline_totals(conn, cmd.org_id, cmd.affiliate_id, cmd.currency)
    return contract.SubAffiliateList([
        downline_item(r, currency=cmd.currency, totals=totals.get(r.id, Totals()))
        for r in recruits])
