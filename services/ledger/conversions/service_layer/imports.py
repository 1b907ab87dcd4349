"""``POST /api/v1/conversions/import`` and its preview. Both run the same steps on the same
data (check every row, look the batch up, plan it), so the preview answers exactly what the
import would write; the preview takes no lock and writes nothing. The import is one unit of
work under the org's import lock: its rows, their ``initial`` timeline events, one
MigrationJob and one audit row. Imported history emits no ``conversion.created`` events: the
sales happened on another platform, and webhook receivers must not act on them again."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from libs.contracts import conversion_imports as contract
from libs.contracts.common import as_json
from libs.contracts.imports import JobKind, JobStatus
from libs.contracts.metrics import CONVERSIONS_IMPORTED, CONVERSIONS_REVERTED
from libs.shared.clock import now_utc
from libs.shared.db import Conn
from libs.shared.ids import new_id
from libs.shared.uow import Transaction, unit_of_work
from services.ledger.conversions.adapters.imports_repository import (
    ConversionImportsRepository,
    NewConversion,
)
from services.ledger.conversions.domain import imports as domain
from services.ledger.domain.errors import ImportRevertBlocked
from services.ledger.imports.adapters.repository import ImportsRepository, Job, job_counts
from services.ledger.imports.service_layer.roster import begin_import
from services.ledger.programs.service_layer.handlers import live_program


async def _plan(conn: Conn, org_id: uuid.UUID, data: contract.ConversionImportPreviewBody,
                now: datetime) -> domain.ConversionPlan:
    rows = domain.check_rows(data.conversions, now)
    emails, slugs, keys, external_ids = domain.lookup_keys(rows)
    lookup = await ConversionImportsRepository(conn).lookup(
        org_id, data.program_id, emails, slugs, keys, external_ids)
    return domain.plan_conversions(rows, lookup, exclude_paid=data.exclude_paid)


async def preview_import(pool: asyncpg.Pool, cmd: contract.PreviewConversionImport
                         ) -> contract.ConversionImportPreview:
    async with pool.acquire() as conn:
        await live_program(conn, cmd.org_id, cmd.data.program_id)
        plan = await _plan(conn, cmd.org_id, cmd.data, now_utc())
    return domain.preview_of(plan)


def _stored(planned: domain.PlannedConversion, confirm_unpaid_payout: bool, now: datetime
            ) -> NewConversion:
    row, settled = planned.row, domain.settle(planned.row.paid, confirm_unpaid_payout)
    return NewConversion(
        id=new_id(), affiliate_id=planned.affiliate_id, amount_cents=row.amount_cents,
        currency=row.currency, commission_cents=row.commission_cents, status=settled.status,
        type=row.type, external_id=row.external_id,
        stripe_subscription_id=row.stripe_subscription_id,
        stripe_customer_id=row.stripe_customer_id, customer_email=row.customer_email,
        customer_name=row.customer_name, created_at=row.occurred_at,
        approved_at=now if settled.status == "Approved" else None, locked=settled.locked,
        key=row.key)


def job_response(job_id: uuid.UUID, plan: domain.ConversionPlan, created: list[NewConversion],
                 data: contract.ConversionImportBody) -> contract.ConversionImportJob:
    """``unpaidConfirmedCents``: the commission this import made payable (its Approved rows),
    summed across currencies as the reference defines it; the preview splits it by currency."""
    payable = sum(c.commission_cents for c in created if c.status == "Approved")
    return contract.ConversionImportJob(
        job_id=job_id, status=JobStatus.Completed, kind=JobKind.Conversions, total=plan.total,
        imported=len(created), skipped=plan.skipped, errored=0, unpaid_confirmed_cents=payable,
        confirm_unpaid_payout=data.confirm_unpaid_payout, exclude_paid=data.exclude_paid,
        reasons=dict(sorted(plan.reasons.items())))


async def _record(tx: Transaction, cmd: contract.ImportConversions,
                  result: contract.ConversionImportJob, now: datetime) -> None:
    """The MigrationJob row and one audit row for the whole import."""
    job_id, data = result.job_id, cmd.data
    await ImportsRepository(tx.conn).add_job({
        "id": job_id, "org_id": cmd.org_id, "program_id": data.program_id,
        **job_counts(result),
        "notify_requested": False, "notify_allowed": False,
        "actor": cmd.actor.model_dump(mode="json", by_alias=True), "created_at": now})
    await ConversionImportsRepository(tx.conn).set_job_money(
        job_id, confirm_unpaid_payout=data.confirm_unpaid_payout, exclude_paid=data.exclude_paid,
        unpaid_confirmed_cents=result.unpaid_confirmed_cents)
    await tx.audit(org_id=cmd.org_id, actor=cmd.actor, action="conversions.imported",
                   entity_type="migration_job", entity_id=str(job_id), before=None,
                   after={**as_json(result), "programId": str(data.program_id)}, created_at=now)


async def import_conversions(pool: asyncpg.Pool, cmd: contract.ImportConversions
                             ) -> contract.ConversionImportJob:
    now, data, job_id = now_utc(), cmd.data, new_id()
    async with unit_of_work(pool) as tx:
        await begin_import(tx.conn, cmd.org_id, data.program_id)
        plan = await _plan(tx.conn, cmd.org_id, data, now)
        rows = [_stored(p, data.confirm_unpaid_payout, now) for p in plan.rows]
        repo = ConversionImportsRepository(tx.conn)
        inserted = await repo.add(cmd.org_id, data.program_id, job_id,
                                  domain.ATTRIBUTION_METHOD, rows)
        if len(inserted) < len(rows):  # the same externalId booked by a live sale meanwhile
            plan.skip("already_recorded", len(rows) - len(inserted))
        created = [r for r in rows if r.id in inserted]
        await repo.add_initial_events([(r.id, new_id()) for r in created])
        if created:
            await tx.publish(CONVERSIONS_IMPORTED, imported_body(cmd.org_id, data.program_id,
                                                                 created))
        result = job_response(job_id, plan, created, data)
        await _record(tx, cmd, result, now)
    return result


async def revert_conversions(tx: Transaction, job: Job) -> int:
    """Remove exactly the conversions the job created; refused once any of them has moved on
    (paid out by Rekomi, refunded, denied), since deleting it would rewrite money history."""
    repo = ConversionImportsRepository(tx.conn)
    moved = await repo.moved_since_import(job.id)
    if moved:
        raise ImportRevertBlocked(f"{moved} conversions of this import changed since (paid out, "
                                  "refunded or denied); the import cannot be reverted")
    ids = await repo.job_conversion_ids(job.id)
    removed = await repo.remove_job(job.id)
    await repo.mark_reverted(job.id, removed=removed)
    if ids:
        await tx.publish(CONVERSIONS_REVERTED, {"orgId": str(job.org_id),
                                                "conversionIds": [str(i) for i in ids]})
    return removed


def imported_body(org_id: uuid.UUID, program_id: uuid.UUID, created: list[NewConversion]
                  ) -> dict[str, Any]:
    """What the dashboard's rollups need of an import's rows (an import fires no
    conversion.created)."""
    return {"orgId": str(org_id), "programId": str(program_id), "conversions": [
        {"id": str(r.id), "affiliateId": str(r.affiliate_id), "amountCents": r.amount_cents,
         "currency": r.currency, "commissionCents": r.commission_cents, "status": r.status,
         "type": r.type, "createdAt": r.created_at.isoformat(),
         "subscriptionId": r.stripe_subscription_id} for r in created]}
