"""The one written form of a moment (``wire_timestamp``) and the places that must use it: the
contracts' ``Timestamp`` (every moment of every reply schema), webhook bodies, the conversions
CSV; cursors keep full precision."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import BaseModel

from libs.contracts.common import Timestamp
from libs.shared.pagination import Cursor, decode_cursor, encode_cursor
from libs.shared.timestamps import WIRE_TIMESTAMP_PATTERN, wire_timestamp
from services.gateway.entrypoints.http.openapi import build_openapi
from services.gateway.entrypoints.http.routes import ROUTES
from services.ledger.conversions.domain.export import export_cells
from services.ledger.conversions.domain.model import Conversion
from services.webhooks.domain.deliveries import event_body

MOMENT = datetime(2026, 5, 1, 12, 0, 41, 384252, tzinfo=UTC)


@pytest.mark.parametrize(("moment", "written"), [
    (MOMENT, "2026-05-01T12:00:41Z"),
    (MOMENT.replace(microsecond=999_999), "2026-05-01T12:00:41Z"),  # truncated, not rounded
    (datetime(2026, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC), "2026-12-31T23:59:59Z"),
    (datetime(2026, 5, 1, 14, 0, 41, tzinfo=timezone(timedelta(hours=2))),
     "2026-05-01T12:00:41Z"),  # another offset: the same moment in UTC
    (datetime(2026, 5, 1, 12, 0, 41, 5), "2026-05-01T12:00:41Z"),  # naive: taken as UTC
    (datetime(5, 1, 2, tzinfo=UTC), "0005-01-02T00:00:00Z"),  # four-digit year
])
def test_wire_timestamp_is_whole_seconds_utc_z(moment: datetime, written: str) -> None:
    assert wire_timestamp(moment) == written
    assert re.fullmatch(WIRE_TIMESTAMP_PATTERN, written)


class _Reply(BaseModel):
    at: Timestamp
    maybe: Timestamp | None = None


def test_the_contract_type_writes_json_with_it_and_keeps_python_values() -> None:
    reply = _Reply.model_validate({"at": "2026-05-01T12:00:41.384252Z"})
    assert reply.at == MOMENT  # read at full precision
    assert reply.model_dump(mode="json") == {"at": "2026-05-01T12:00:41Z", "maybe": None}
    assert json.loads(reply.model_dump_json()) == {"at": "2026-05-01T12:00:41Z", "maybe": None}
    assert reply.model_dump()["at"] == MOMENT  # in-process values are untouched
    assert _Reply(at=MOMENT, maybe=MOMENT).model_dump(mode="json")["maybe"] == (
        "2026-05-01T12:00:41Z")


def _reply_schemas(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Every schema node reachable from a documented response body."""
    schemas, seen, nodes = document["components"]["schemas"], set(), []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        if not isinstance(node, dict):
            return
        nodes.append(node)
        ref = node.get("$ref")
        if isinstance(ref, str) and ref not in seen:
            seen.add(ref)
            walk(schemas[ref.rsplit("/", 1)[1]])
        for value in node.values():
            walk(value)

    for operations in document["paths"].values():
        for operation in operations.values():
            for response in operation.get("responses", {}).values():
                for content in response.get("content", {}).values():
                    walk(content.get("schema"))
    return nodes


def test_every_moment_of_every_reply_schema_is_a_wire_timestamp() -> None:
    """A reply model with a plain ``datetime`` would write microseconds: its schema node has
    no pattern, and this names it."""
    moments = [n for n in _reply_schemas(build_openapi(ROUTES))
               if n.get("format") == "date-time"]
    assert len(moments) > 20
    assert [n for n in moments if n.get("pattern") != WIRE_TIMESTAMP_PATTERN] == []


def test_webhook_bodies_write_the_event_moment_in_whole_seconds() -> None:
    body = json.loads(event_body(uuid.uuid4(), "webhook.test", MOMENT, {"x": 1}))
    assert body["createdAt"] == "2026-05-01T12:00:41Z"


def test_conversions_csv_cells_write_whole_seconds() -> None:
    row = Conversion(
        id=uuid.UUID(int=1), org_id=uuid.UUID(int=2), program_id=uuid.UUID(int=3),
        affiliate_id=uuid.UUID(int=4), amount_cents=100, currency="USD", commission_cents=20,
        status="Refunded", type="OneTime", external_event_id="e", stripe_subscription_id=None,
        stripe_customer_id=None, customer_id=None, customer_email=None,
        attribution_method=None, coupon_code=None, parent_affiliate_conversion_id=None,
        created_at=MOMENT, refunded_at=MOMENT + timedelta(days=1))
    cells = export_cells(row)
    assert "2026-05-01T12:00:41Z" in cells and "2026-05-02T12:00:41Z" in cells


def test_cursors_keep_microseconds() -> None:
    """Keyset pages compare (createdAt, id) in the database: a cursor cut to the second would
    skip or repeat rows of the same second."""
    cursor = Cursor(MOMENT, uuid.uuid4())
    decoded = decode_cursor(encode_cursor(cursor))
    assert decoded == cursor and decoded.created_at.microsecond == 384252
