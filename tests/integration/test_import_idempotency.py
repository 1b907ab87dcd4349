"""Import idempotency against the real ledger schema: any rows imported twice -> the second run
imports nothing and leaves the program's affiliates exactly as they were; within-batch duplicates
are imported once."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from hypothesis import given
from hypothesis import strategies as st

from libs.contracts.common import as_json
from libs.contracts.imports import ImportAffiliates
from libs.contracts.programs import CreateProgram
from libs.shared.db import create_pool
from libs.shared.settings import Settings
from services.ledger.domain.errors import MigrationInProgress
from services.ledger.imports.adapters.repository import import_lock_key
from services.ledger.imports.domain.model import canonical_email
from services.ledger.imports.service_layer.roster import import_affiliates
from services.ledger.programs.service_layer.handlers import create_program

ACTOR = {"type": "api_key", "keyId": str(uuid.uuid4())}


@pytest.fixture(scope="module")
async def pool(settings: Settings, migrated: None) -> AsyncIterator[asyncpg.Pool]:
    ledger = await create_pool(settings.database_url, "ledger", min_size=1, max_size=4)
    yield ledger
    await ledger.close()


async def new_program(pool: asyncpg.Pool) -> tuple[uuid.UUID, uuid.UUID]:
    org_id = uuid.uuid4()
    program = await create_program(pool, CreateProgram.model_validate({
        "orgId": org_id, "actor": ACTOR, "data": {
            "name": f"P {uuid.uuid4().hex[:8]}", "defaultCommissionType": "Percentage",
            "defaultCommissionValue": 10}}))
    return org_id, program.id


async def run_import(pool: asyncpg.Pool, org_id: uuid.UUID, program_id: uuid.UUID,
                     rows: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return as_json(await import_affiliates(pool, ImportAffiliates.model_validate({
        "orgId": org_id, "actor": ACTOR,
        "data": {"programId": str(program_id), "affiliates": rows, **extra}})))


async def roster(pool: asyncpg.Pool, program_id: uuid.UUID) -> set[tuple[Any, ...]]:
    rows = await pool.fetch(
        "SELECT a.id, a.email, a.status, a.full_name, a.paypal_email, l.slug "
        "FROM affiliates a JOIN affiliate_links l ON l.affiliate_id = a.id AND l.is_default "
        "WHERE a.program_id = $1", program_id)
    return {tuple(r) for r in rows}


ROW = st.fixed_dictionaries({"email": st.sampled_from(
    ["a@example.com", "A@EXAMPLE.com", "b@example.com", "c@example.org", "bad", "", "e@x.io"])},
    optional={"status": st.sampled_from(["approved", "Pending", "banned", "nope", "PAUSED"]),
              "fullName": st.sampled_from(["Alex", "Jordan Lee", ""]),
              "slug": st.sampled_from(["alex", "Bad Slug", "admin", "jordan"]),
              "paypalEmail": st.just("pay@example.com")})


@given(rows=st.lists(ROW, max_size=25),
       include=st.one_of(st.none(), st.just(["approved", "pending"])))
async def test_importing_the_same_rows_twice_imports_nothing_the_second_time(
        pool: asyncpg.Pool, rows: list[dict[str, Any]], include: list[str] | None) -> None:
    token = uuid.uuid4().hex[:8]  # slugs are global: keep each example's own
    rows = [{**r, "slug": f"{r['slug']}-{token}"} if "slug" in r else r for r in rows]
    org_id, program_id = await new_program(pool)
    extra = {} if include is None else {"includeStatuses": include}
    first = await run_import(pool, org_id, program_id, rows, **extra)
    after_first = await roster(pool, program_id)
    second = await run_import(pool, org_id, program_id, rows, **extra)

    assert second["imported"] == 0
    assert second["total"] == len(rows) == second["skipped"] + second["errored"]
    assert await roster(pool, program_id) == after_first
    emails = [r[1] for r in after_first]
    assert len(emails) == len(set(emails)) == first["imported"]
    valid = {canonical_email(r["email"]) for r in rows if r["email"]} - {None}
    assert set(emails) <= valid
    if include is None:
        assert first["imported"] == len(valid)
    created = await pool.fetchval(
        "SELECT count(*) FROM outbox WHERE routing_key = 'affiliate.created' "
        "AND payload->>'orgId' = $1", str(org_id))
    assert created == first["imported"]


async def test_a_second_import_while_one_holds_the_org_lock_is_refused(pool: asyncpg.Pool
                                                                      ) -> None:
    org_id, program_id = await new_program(pool)
    async with pool.acquire() as holder, holder.transaction():
        assert await holder.fetchval("SELECT pg_try_advisory_xact_lock($1)",
                                     import_lock_key(org_id))
        with pytest.raises(MigrationInProgress):
            await run_import(pool, org_id, program_id, [{"email": "x@example.com"}])
    other_org, other_program = await new_program(pool)  # other orgs are not held up
    assert (await run_import(pool, other_org, other_program, [{"email": "x@example.com"}])
            )["imported"] == 1
    assert (await run_import(pool, org_id, program_id, [{"email": "x@example.com"}])
            )["imported"] == 1
    assert await pool.fetchval("SELECT count(*) FROM migration_jobs WHERE org_id = $1",
                               org_id) == 1
