"""``POST /api/v1/affiliates/import``: a whole roster in one unit of work and a handful of
statements. One import per org at a time; every row that imports gets its default link and its
``affiliate.created`` (and ``affiliate.approved``) event; the import itself gets one audit row
and one MigrationJob."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime
from typing import Any

import asyncpg

from libs.contracts import imports as contract
from libs.contracts.affiliates import AffiliateStatus as S
from libs.contracts.common import as_json
from libs.shared.clock import now_utc
from libs.shared.db import Conn
from libs.shared.ids import new_id
from libs.shared.outbox_batch import stage_events
from libs.shared.uow import Transaction, unit_of_work
from services.ledger.affiliates.domain import model as domain
from services.ledger.affiliates.domain.links import Link, generated_slug
from services.ledger.affiliates.service_layer.seats import ensure_seats
from services.ledger.domain.errors import MigrationInProgress
from services.ledger.imports.adapters.repository import ImportsRepository, job_counts
from services.ledger.imports.domain.model import (
    ImportPlan,
    PlannedRow,
    candidate_emails,
    plan_import,
)
from services.ledger.programs.service_layer.handlers import live_program

MAX_SLUG_ROUNDS = 8


def _affiliate(org_id: uuid.UUID, program_id: uuid.UUID, row: PlannedRow, job_id: uuid.UUID,
               now: datetime) -> domain.Affiliate:
    return domain.Affiliate(
        id=new_id(), org_id=org_id, program_id=program_id, email=row.email,
        full_name=row.full_name, status=row.status.value, custom_commission_type=None,
        custom_commission_value=None, tags=[], notes=None, source="Direct",
        application_data=None, rejection_reason=None, recruited_by_affiliate_id=None,
        applied_at=None, approved_at=now if row.status == S.Approved else None,
        created_at=now, updated_at=now, import_job_id=job_id)


async def _give_links(repo: ImportsRepository, wanted: dict[uuid.UUID, str | None],
                      people: dict[uuid.UUID, domain.Affiliate], now: datetime
                      ) -> dict[uuid.UUID, Link]:
    """The preferred slug where free, else generated ones; a slug lost to another row or
    writer is simply drawn again, a whole round at a time."""
    done: dict[uuid.UUID, Link] = {}
    pending = {aid: slug or generated_slug(people[aid].full_name, people[aid].email)
               for aid, slug in wanted.items()}
    for _ in range(MAX_SLUG_ROUNDS):
        links = [Link(id=new_id(), org_id=people[aid].org_id, affiliate_id=aid, slug=slug,
                      custom_alias=None, is_default=True, format="Short", created_at=now)
                 for aid, slug in pending.items()]
        inserted = await repo.add_links(links)
        done.update({link.affiliate_id: link for link in links if link.affiliate_id in inserted})
        pending = {aid: generated_slug(people[aid].full_name, people[aid].email)
                   for aid in pending if aid not in inserted}
        if not pending:
            return done
    raise RuntimeError("could not generate free link slugs")


def _events(created: list[domain.Affiliate]) -> list[tuple[str, dict[str, Any]]]:
    events: list[tuple[str, dict[str, Any]]] = []
    for affiliate in created:
        shape = as_json(domain.to_response(affiliate))
        events.append(("affiliate.created", shape))
        if affiliate.status == S.Approved:
            events.append(("affiliate.approved", shape))
    return events


def job_response(job_id: uuid.UUID, plan: ImportPlan, imported: int
                 ) -> contract.ImportJobResponse:
    return contract.ImportJobResponse(
        job_id=job_id, status=contract.JobStatus.Completed, kind=contract.JobKind.Affiliates,
        total=plan.total, imported=imported, skipped=plan.skipped, errored=plan.errored,
        reasons=dict(sorted(plan.reasons.items())))


async def _record(tx: Transaction, cmd: contract.ImportAffiliates,
                  result: contract.ImportJobResponse, created: list[domain.Affiliate],
                  now: datetime) -> None:
    """The MigrationJob row, one event pair per imported row, one audit row for the import."""
    data = cmd.data
    await ImportsRepository(tx.conn).add_job({
        "id": result.job_id, "org_id": cmd.org_id, "program_id": data.program_id,
        **job_counts(result),
        "notify_requested": data.notify_affiliates, "notify_allowed": cmd.notify_allowed,
        "actor": cmd.actor.model_dump(mode="json", by_alias=True), "created_at": now})
    await stage_events(tx.conn, cmd.org_id, _events(created), now=now)
    await tx.audit(org_id=cmd.org_id, actor=cmd.actor, action="affiliates.imported",
                   entity_type="migration_job", entity_id=str(result.job_id), before=None,
                   after={**as_json(result), "programId": str(data.program_id),
                          "notifyAffiliates": data.notify_affiliates,
                          "notificationsSent": 0}, created_at=now)


async def begin_import(conn: Conn, org_id: uuid.UUID, program_id: uuid.UUID
                       ) -> ImportsRepository:
    """The safeguards every import shares (roster and conversions): the program is the org's
    and live (else 404), and no other import of the org runs (else 409); the lock is held
    until the surrounding transaction ends."""
    await live_program(conn, org_id, program_id)
    repo = ImportsRepository(conn)
    if not await repo.try_lock_org(org_id):
        raise MigrationInProgress("another import is running for this organization; "
                                  "retry when it has finished")
    return repo


async def import_affiliates(pool: asyncpg.Pool, cmd: contract.ImportAffiliates
                            ) -> contract.ImportJobResponse:
    now, data, job_id = now_utc(), cmd.data, new_id()
    async with unit_of_work(pool) as tx:
        repo = await begin_import(tx.conn, cmd.org_id, data.program_id)
        existing = await repo.existing_emails(data.program_id, candidate_emails(data.affiliates))
        plan = plan_import(data.affiliates, existing, data.include_statuses)
        await ensure_seats(tx.conn, cmd.org_id, data.program_id,
                          adding=sum(row.status in domain.SEATED for row in plan.rows))
        rows = {a.id: (a, row) for row in plan.rows
                for a in [_affiliate(cmd.org_id, data.program_id, row, job_id, now)]}
        inserted = await repo.add_affiliates([a for a, _ in rows.values()],
                                             [row.paypal_email for _, row in rows.values()],
                                             job_id=job_id, now=now)
        if len(inserted) < len(rows):  # the same email added by another writer meanwhile
            plan.skip("already_exists", len(rows) - len(inserted))
        people = {aid: a for aid, (a, _) in rows.items() if aid in inserted}
        links = await _give_links(repo, {aid: rows[aid][1].preferred_slug for aid in people},
                                  people, now)
        created = [dataclasses.replace(a, links=[links[aid]]) for aid, a in people.items()]
        result = job_response(job_id, plan, len(created))
        await _record(tx, cmd, result, created, now)
    return result
