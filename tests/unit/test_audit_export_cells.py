"""The audit-log export's cells: the reference's two headers, PII only in the full one (the
dashboard's, once JWT callers exist), and every cell the JSON list's value for the row."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from libs.contracts.audit_log import EXPORT_COLUMNS, EXPORT_FULL_COLUMNS
from services.gateway.service_layer.audit_export import export_cells, export_columns
from services.gateway.service_layer.audit_log import audit_item

ROW: dict[str, Any] = {
    "id": uuid.uuid4(), "action": "program.updated", "entity_type": "program",
    "entity_id": "=HYPERLINK(1)", "actor_type": "user", "actor_user_id": "user_2abc",
    "ip": "203.0.113.9", "user_agent": "Mozilla/5.0", "before": {"name": "A"},
    "after": {"name": "B"}, "created_at": datetime(2026, 5, 1, 12, 0, 0, 250, tzinfo=UTC)}


def test_the_headers_are_the_references() -> None:
    assert ",".join(EXPORT_COLUMNS) == (
        "id,created_at,action,entity_type,entity_id,actor_type,before,after")
    assert ",".join(EXPORT_FULL_COLUMNS) == (
        "id,created_at,action,entity_type,entity_id,actor_type,actor_user_id,ip,user_agent,"
        "before,after")
    assert export_columns(redacted=True) == EXPORT_COLUMNS
    assert export_columns(redacted=False) == EXPORT_FULL_COLUMNS


def test_redacted_cells_carry_no_operator_pii() -> None:
    cells = export_cells(ROW, redacted=True)  # type: ignore[arg-type]
    assert cells == (str(ROW["id"]), "2026-05-01T12:00:00Z", "program.updated",
                     "program", "=HYPERLINK(1)", "user", '{"name":"A"}', '{"name":"B"}')
    assert not {"user_2abc", "203.0.113.9", "Mozilla/5.0"} & set(cells)


def test_full_cells_are_the_list_items_values() -> None:
    cells = export_cells(ROW, redacted=False)  # type: ignore[arg-type]
    item = audit_item(ROW, redacted=False).model_dump(mode="json", by_alias=True)  # type: ignore[arg-type]
    assert cells == (item["id"], item["createdAt"], item["action"], item["entityType"],
                     item["entityId"], item["actorType"], "user_2abc", "203.0.113.9",
                     "Mozilla/5.0", item["before"], item["after"])
