"""SQL for what an org uses of its plan: live affiliates and live programs."""

from __future__ import annotations

import uuid

import asyncpg

from libs.shared.db import Conn

# One statement, so both counts come from one snapshot. Rejected and Banned affiliates hold
# no place in a program, deleted ones are gone; archived programs are gone, paused (inactive)
# ones still count.
_USAGE = (
    "SELECT (SELECT count(*) FROM affiliates WHERE org_id = $1 AND deleted_at IS NULL "
    "        AND status NOT IN ('Rejected', 'Banned')) AS affiliates, "
    "       (SELECT count(*) FROM programs WHERE org_id = $1 AND archived_at IS NULL) "
    "        AS campaigns")


async def usage(conn: Conn, org_id: uuid.UUID) -> asyncpg.Record:
    """``affiliates`` and ``campaigns``: the org's live ones."""
    row = await conn.fetchrow(_USAGE, org_id)
    assert row is not None  # two aggregates: always one row
    return row
