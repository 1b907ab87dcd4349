"""The conversions CSV export's row: the reference's columns, in its order. Stripe ids and the
customer stay out of the CSV on purpose (the reference: use the JSON endpoint for them)."""

from __future__ import annotations

from libs.contracts.conversion_imports import EXPORT_COLUMNS
from libs.shared.csvsafe import Cell
from libs.shared.timestamps import wire_timestamp
from services.ledger.conversions.domain.model import Conversion


def export_cells(c: Conversion) -> tuple[Cell, ...]:
    values: dict[str, Cell] = {
        "id": str(c.id), "affiliate_id": str(c.affiliate_id), "program_id": str(c.program_id),
        "amount_cents": c.amount_cents, "currency": c.currency,
        "commission_cents": c.commission_cents, "status": c.status, "type": c.type,
        "external_event_id": c.external_event_id, "created_at": wire_timestamp(c.created_at),
        "refunded_at": wire_timestamp(c.refunded_at) if c.refunded_at else None,
        "attribution_method": c.attribution_method, "coupon_code": c.coupon_code,
    }
    return tuple(values[column] for column in EXPORT_COLUMNS)
