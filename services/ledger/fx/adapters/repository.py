"""SQL for the FX rates table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from libs.shared.db import Conn
from services.ledger.fx.domain.model import DayRate


async def upsert_rates(conn: Conn, rates: Sequence[DayRate]) -> tuple[int, int]:
    """Insert new rates, overwrite corrected ones, leave equal ones untouched (numeric
    equality: 1.0813 equals 1.08130). Returns (inserted, updated)."""
    rows = await conn.fetch(
        "INSERT INTO fx_rates AS r (day, currency, per_eur, source) "
        "SELECT * FROM unnest($1::date[], $2::text[], $3::numeric[], $4::text[]) "
        "ON CONFLICT (day, currency) DO UPDATE SET per_eur = EXCLUDED.per_eur, "
        "source = EXCLUDED.source, loaded_at = now() "
        "WHERE (r.per_eur, r.source) IS DISTINCT FROM (EXCLUDED.per_eur, EXCLUDED.source) "
        "RETURNING (xmax = 0) AS inserted",
        [r.day for r in rates], [r.currency for r in rates], [r.per_eur for r in rates],
        [r.source for r in rates])
    inserted = sum(1 for row in rows if row["inserted"])
    return inserted, len(rows) - inserted


async def rates_for(conn: Conn, currencies: Sequence[str], first: date, last: date
                    ) -> list[tuple[str, date, Decimal]]:
    """Each currency's rates from the latest on or before ``first`` through ``last``: all that
    a lookup for any day in between can need."""
    rows = await conn.fetch(
        "WITH floor AS (SELECT c AS currency, (SELECT max(day) FROM fx_rates "
        "  WHERE currency = c AND day <= $2) AS day FROM unnest($1::text[]) AS c) "
        "SELECT r.currency, r.day, r.per_eur FROM fx_rates r JOIN floor f USING (currency) "
        "WHERE r.day >= coalesce(f.day, $2) AND r.day <= $3",
        list(currencies), first, last)
    return [(row["currency"], row["day"], row["per_eur"]) for row in rows]
