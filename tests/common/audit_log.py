"""The audit log as tests read and seed it: the CSV export, every page of the JSON list, and
rows written straight into the gateway's table (as the audit consumer writes what any service
sends), for content the API never produces (formula text, operator PII) and for volume."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import asyncpg

from libs.shared import jsonutil
from libs.shared.settings import Settings
from tests.common.api import audit_page
from tests.common.orgs import Org

AUDIT_EXPORT = "/api/v1/audit-log/export.csv"
REDACTED_HEADER = "id,created_at,action,entity_type,entity_id,actor_type,before,after"
# Operator PII on seeded rows: none of it may reach an API-key caller.
SECRET_USER, SECRET_IP, SECRET_AGENT = "user_2SecretOperator", "203.0.113.77", "SecretAgent/9.1"
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
COLUMNS = ("id", "org_id", "action", "entity_type", "entity_id", "actor_type", "actor_user_id",
           "actor_key_id", "ip", "user_agent", "request_id", "before", "after", "created_at")


@dataclass(frozen=True)
class Exported:
    response: aiohttp.ClientResponse
    text: str
    rows: list[list[str]]  # without the header

    @property
    def truncated(self) -> str:
        return self.response.headers["X-Rekomi-Truncated"]


async def export(http: aiohttp.ClientSession, headers: dict[str, str], base: str = "",
                 **params: str) -> Exported:
    """A successful export: CSV attachment, the redacted header first."""
    async with http.get(base + AUDIT_EXPORT, params=params, headers=headers) as response:
        text = await response.text()
        assert response.status == 200, text
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="audit-log.csv"'
    header, _, body = text.partition("\r\n")
    assert header == REDACTED_HEADER
    return Exported(response, text, list(csv.reader(io.StringIO(body, newline=""))))


async def listed(http: aiohttp.ClientSession, org: Org, **params: str) -> list[dict[str, Any]]:
    """Every item of the JSON list for these filters, page after page."""
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        body = await audit_page(http, org, pageSize="100", page=str(page), **params)
        items += body["items"]
        if len(items) >= body["total"] or not body["items"]:
            return items
        page += 1


def as_csv(item: dict[str, Any]) -> list[str]:
    """The export's row for a JSON list item without formula text."""
    return [item["id"], item["createdAt"], item["action"], item["entityType"], item["entityId"],
            item["actorType"], item["before"] or "", item["after"] or ""]


def seeded_row(org_id: str, created_at: datetime, *, action: str = "seeded.changed",
               entity_type: str = "seeded", entity_id: str = "thing-1",
               after: Any = None) -> tuple[Any, ...]:
    """A row in the table's column order (COLUMNS), by an operator whose PII is known."""
    return (uuid.uuid4(), uuid.UUID(org_id), action, entity_type, entity_id, "user",
            SECRET_USER, None, SECRET_IP, SECRET_AGENT, None, None,
            None if after is None else jsonutil.dumps_str(after), created_at)


async def seed(rows: list[tuple[Any, ...]]) -> None:
    conn = await asyncpg.connect(Settings().database_url)
    try:
        await conn.copy_records_to_table("audit_log", schema_name="gateway", columns=COLUMNS,
                                         records=rows)
    finally:
        await conn.close()


def at(seconds: int) -> datetime:
    """``seconds`` after 2025-01-01T00:00:00Z: seeded rows are older than any row the API
    writes during a test."""
    return EPOCH + timedelta(seconds=seconds)


def stamp(seconds: int) -> str:
    """``at(seconds)`` as a query value (a "+00:00" would need escaping in a URL)."""
    return at(seconds).isoformat().replace("+00:00", "Z")
