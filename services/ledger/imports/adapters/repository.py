"""SQL for bulk imports: the per-org import lock, migration jobs, and set-based inserts (one
statement per table for a whole batch, never a round trip per row)."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from libs.contracts.imports import ImportJobCounts
from libs.shared.db import Conn
from services.ledger.affiliates.adapters.repository import COLUMNS, affiliate_from
from services.ledger.affiliates.domain.links import Link
from services.ledger.affiliates.domain.model import Affiliate
from services.ledger.domain.errors import ImportRevertBlocked

_INSERT_AFFILIATES = """
INSERT INTO affiliates (id, org_id, program_id, email, full_name, status, source, approved_at,
                        created_at, updated_at, import_job_id, paypal_email)
SELECT u.id, $1, $2, u.email, u.full_name, u.status, 'Direct', u.approved_at, $3, $3, $4, u.paypal
FROM unnest($5::uuid[], $6::text[], $7::text[], $8::text[], $9::timestamptz[], $10::text[])
     AS u(id, email, full_name, status, approved_at, paypal)
ON CONFLICT DO NOTHING
RETURNING id"""
_INSERT_LINKS = """
INSERT INTO affiliate_links (id, org_id, affiliate_id, slug, custom_alias, is_default, format,
                             created_at)
SELECT u.id, $1, u.affiliate_id, u.slug, NULL, true, 'Short', $2
FROM unnest($3::uuid[], $4::uuid[], $5::text[]) AS u(id, affiliate_id, slug)
ON CONFLICT DO NOTHING
RETURNING affiliate_id"""
_JOB_COLUMNS = ("id", "org_id", "program_id", "kind", "status", "total", "imported", "skipped",
                "errored", "reasons", "notify_requested", "notify_allowed", "actor", "created_at")


def job_counts(answer: ImportJobCounts) -> dict[str, Any]:
    """The fields of an import's answer that its job row stores under the same names."""
    return answer.model_dump(include={"kind", "status", "total", "imported", "skipped",
                                      "errored", "reasons"})


def import_lock_key(org_id: uuid.UUID) -> int:
    """The org's advisory-lock key (64 bits), shared by every importer of the ledger (API and
    dashboard, affiliates and conversions): one import per org at a time."""
    digest = hashlib.blake2b(b"rekomi.ledger.import:" + org_id.bytes, digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@dataclass(frozen=True, slots=True)
class Job:
    id: uuid.UUID
    org_id: uuid.UUID
    program_id: uuid.UUID
    kind: str
    status: str
    total: int
    imported: int
    skipped: int
    errored: int
    reasons: dict[str, int]
    reverted_affiliates: int | None


class ImportsRepository:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def try_lock_org(self, org_id: uuid.UUID) -> bool:
        """Non-blocking; held until the surrounding transaction ends."""
        return bool(await self.conn.fetchval("SELECT pg_try_advisory_xact_lock($1)",
                                             import_lock_key(org_id)))

    async def existing_emails(self, program_id: uuid.UUID, emails: list[str]) -> set[str]:
        rows = await self.conn.fetch(
            "SELECT email FROM affiliates WHERE program_id = $1 AND email = ANY($2::text[]) "
            "AND deleted_at IS NULL", program_id, emails)
        return {r["email"] for r in rows}

    async def add_affiliates(self, affiliates: list[Affiliate], paypal: list[str | None], *,
                             job_id: uuid.UUID, now: datetime) -> set[uuid.UUID]:
        """Inserts them all in one statement; returns the ids inserted (an email that another
        writer added meanwhile is left out, not an error)."""
        if not affiliates:
            return set()
        first = affiliates[0]
        rows = await self.conn.fetch(
            _INSERT_AFFILIATES, first.org_id, first.program_id, now, job_id,
            [a.id for a in affiliates], [a.email for a in affiliates],
            [a.full_name for a in affiliates], [a.status for a in affiliates],
            [a.approved_at for a in affiliates], paypal)
        return {r["id"] for r in rows}

    async def add_links(self, links: list[Link]) -> set[uuid.UUID]:
        """Inserts them in one statement; returns the affiliates whose link went in (a slug
        taken meanwhile, by any org, is left out)."""
        if not links:
            return set()
        rows = await self.conn.fetch(
            _INSERT_LINKS, links[0].org_id, links[0].created_at, [link.id for link in links],
            [link.affiliate_id for link in links], [link.slug for link in links])
        return {r["affiliate_id"] for r in rows}

    async def add_job(self, values: dict[str, Any]) -> None:
        await self.conn.execute(
            f"INSERT INTO migration_jobs ({', '.join(_JOB_COLUMNS)}) "
            f"VALUES ({', '.join(f'${i + 1}' for i in range(len(_JOB_COLUMNS)))})",
            *[values[c] for c in _JOB_COLUMNS])

    async def job(self, job_id: uuid.UUID, *, lock: bool = False) -> Job | None:
        row = await self.conn.fetchrow(
            "SELECT id, org_id, program_id, kind, status, total, imported, skipped, errored, "
            "reasons, reverted_affiliates FROM migration_jobs WHERE id = $1"
            + (" FOR UPDATE" if lock else ""), job_id)
        return Job(**dict(row)) if row is not None else None

    async def mark_reverted(self, job_id: uuid.UUID, *, removed: int, now: datetime) -> None:
        await self.conn.execute(
            "UPDATE migration_jobs SET status = 'Reverted', reverted_at = $2, "
            "reverted_affiliates = $3 WHERE id = $1", job_id, now, removed)

    async def created_by(self, org_id: uuid.UUID, job_id: uuid.UUID) -> list[Affiliate]:
        """Every affiliate the job created, including ones deleted since."""
        rows = await self.conn.fetch(
            f"SELECT {', '.join(COLUMNS)} FROM affiliates WHERE org_id = $1 "
            "AND import_job_id = $2 ORDER BY id FOR UPDATE", org_id, job_id)
        return [affiliate_from(r) for r in rows]

    async def remove(self, org_id: uuid.UUID, ids: list[uuid.UUID]) -> int:
        """Deletes the affiliates and their links; returns how many links went. Recruits they
        brought in stay, detached. Refused when other records (conversions, ...) point at
        them: reverting must not orphan money."""
        try:
            await self.conn.execute(
                "UPDATE affiliates SET recruited_by_affiliate_id = NULL WHERE org_id = $1 "
                "AND recruited_by_affiliate_id = ANY($2::uuid[]) AND NOT id = ANY($2::uuid[])",
                org_id, ids)
            links = await self.conn.fetchval(
                "WITH gone AS (DELETE FROM affiliate_links WHERE org_id = $1 "
                "AND affiliate_id = ANY($2::uuid[]) RETURNING 1) SELECT count(*) FROM gone",
                org_id, ids)
            await self.conn.execute(
                "DELETE FROM affiliates WHERE org_id = $1 AND id = ANY($2::uuid[])", org_id, ids)
        except asyncpg.ForeignKeyViolationError:
            raise ImportRevertBlocked("affiliates of this import already have activity (such "
                                      "as conversions); the import cannot be reverted") from None
        return int(links)
