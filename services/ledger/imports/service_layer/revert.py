"""Reverting an import (``rekomi admin revert-import``): remove exactly what the job created,
its affiliates and their links (a roster import) or its conversions (a conversions import), and
mark it Reverted. Reverting twice changes nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import asyncpg

from libs.contracts import imports as contract
from libs.contracts.common import as_json
from libs.shared.clock import now_utc
from libs.shared.outbox_batch import stage_events
from libs.shared.uow import Transaction, unit_of_work
from services.ledger.affiliates.adapters.repository import AffiliatesRepository
from services.ledger.affiliates.domain import model as domain
from services.ledger.conversions.service_layer.imports import revert_conversions
from services.ledger.domain.errors import ImportJobNotFound, MigrationInProgress
from services.ledger.imports.adapters.repository import ImportsRepository, Job


def revert_result(job: Job, *, already: bool, affiliates: int = 0, links: int = 0,
            conversions: int | None = None) -> contract.RevertResult:
    """``removed*`` count what this call removed (0 when the job was already reverted)."""
    return contract.RevertResult(
        job_id=job.id, org_id=job.org_id, status=contract.JobStatus.Reverted,
        already_reverted=already, removed_affiliates=affiliates, removed_links=links,
        removed_conversions=conversions)


async def _revert_conversions(tx: Transaction, repo: ImportsRepository, job: Job,
                              cmd: contract.RevertImport, now: datetime
                              ) -> contract.RevertResult:
    removed = await revert_conversions(tx, job)
    await repo.mark_reverted(job.id, removed=0, now=now)
    done = revert_result(job, already=False, conversions=removed)
    await tx.audit(org_id=job.org_id, actor=cmd.actor, action="conversions.import_reverted",
                   entity_type="migration_job", entity_id=str(job.id),
                   before={"status": job.status, "imported": job.imported},
                   after=done, created_at=now)
    return done


async def revert_import(pool: asyncpg.Pool, cmd: contract.RevertImport
                        ) -> contract.RevertResult:
    now = now_utc()
    async with unit_of_work(pool) as tx:
        repo = ImportsRepository(tx.conn)
        job = await repo.job(cmd.job_id, lock=True)
        if job is None:
            raise ImportJobNotFound("no import job with this id", field="jobId")
        if job.status == contract.JobStatus.Reverted:
            return revert_result(job, already=True)
        if not await repo.try_lock_org(job.org_id):
            raise MigrationInProgress("an import is running for this organization; retry "
                                      "when it has finished")
        if job.kind == contract.JobKind.Conversions:
            return await _revert_conversions(tx, repo, job, cmd, now)
        created = await repo.created_by(job.org_id, job.id)
        links = await AffiliatesRepository(tx.conn).links_of([a.id for a in created])
        live = [a for a in created if a.deleted_at is None]
        removed_links = await repo.remove(job.org_id, [a.id for a in created])
        await repo.mark_reverted(job.id, removed=len(created), now=now)
        await stage_events(tx.conn, job.org_id, [
            ("affiliate.deleted", as_json(domain.to_response(replace(a, links=links[a.id]))))
            for a in live], now=now)
        done = revert_result(job, already=False, affiliates=len(created), links=removed_links)
        await tx.audit(org_id=job.org_id, actor=cmd.actor, action="affiliates.import_reverted",
                       entity_type="migration_job", entity_id=str(job.id),
                       before={"status": job.status, "imported": job.imported},
                       after=done, created_at=now)
    return done

