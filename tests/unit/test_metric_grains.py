"""The coarser grains of a batch's increments, as plain data."""

from __future__ import annotations

import uuid
from datetime import date

from services.ledger.metrics.domain.grains import (
    activity_rows,
    leader_rows,
    monday,
    org_day_rows,
    orgs_without_currency,
)
from services.ledger.metrics.domain.rollup import COLUMNS, NO_PROGRAM, Deltas

ORG, PROGRAM = uuid.uuid4(), uuid.uuid4()
A, B = sorted([uuid.uuid4(), uuid.uuid4()])
SUNDAY, MONDAY = date(2026, 12, 6), date(2026, 12, 7)


def test_monday_is_the_start_of_the_iso_week() -> None:
    assert monday(SUNDAY) == date(2026, 11, 30)
    assert monday(MONDAY) == MONDAY


def test_org_rows_sum_affiliates_and_keep_currencies_apart() -> None:
    deltas = Deltas()
    deltas.add((ORG, SUNDAY, PROGRAM, A, "USD"), {"conversions": 1, "commission_cents": 200})
    deltas.add((ORG, SUNDAY, PROGRAM, B, "USD"), {"conversions": 2, "commission_cents": 300})
    deltas.add((ORG, SUNDAY, PROGRAM, B, "EUR"), {"conversions": 1, "commission_cents": 50})
    rows = {r[3]: dict(zip(COLUMNS, r[4:], strict=True)) for r in org_day_rows(deltas)}
    assert (rows["USD"]["conversions"], rows["USD"]["commission_cents"]) == (3, 500)
    assert (rows["EUR"]["conversions"], rows["EUR"]["commission_cents"]) == (1, 50)


def test_leader_rows_put_clicks_in_the_home_currency_and_write_day_and_week() -> None:
    deltas = Deltas()
    deltas.add((ORG, SUNDAY, PROGRAM, A, ""), {"clicks": 4})
    deltas.add((ORG, SUNDAY, PROGRAM, A, "EUR"), {"conversions": 1, "commission_cents": 90})
    deltas.add((ORG, SUNDAY, NO_PROGRAM, A, "EUR"), {"payouts_cents": 700})
    assert orgs_without_currency(deltas) == {ORG}
    rows = leader_rows(deltas, {ORG: "EUR"})
    assert rows == [(ORG, 1, SUNDAY, PROGRAM, A, "EUR", 4, 1, 90),
                    (ORG, 7, date(2026, 11, 30), PROGRAM, A, "EUR", 4, 1, 90)]


def test_activity_counts_what_was_added_not_what_was_taken_back() -> None:
    deltas = Deltas()
    deltas.add((ORG, SUNDAY, PROGRAM, A, "USD"), {"conversions": -1})
    deltas.add((ORG, SUNDAY, PROGRAM, B, ""), {"clicks": 1})
    deltas.add((ORG, MONDAY, PROGRAM, B, ""), {"bot_clicks": 3})
    deltas.add((ORG, MONDAY, NO_PROGRAM, A, "USD"), {"payouts_cents": 100})
    assert activity_rows(deltas) == [(ORG, B, SUNDAY)]
