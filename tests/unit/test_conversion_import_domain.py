"""Conversion import and export rules without a database: row checks, keys, planning, statuses,
balances, and the CSV's formula-injection hardening."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from libs.contracts.common import as_json
from libs.contracts.conversion_imports import EXPORT_COLUMNS, ConversionImportRow
from libs.shared.csvsafe import csv_lines, safe_cell
from services.ledger.conversions.domain import imports as d
from services.ledger.conversions.domain.export import export_cells
from services.ledger.conversions.domain.model import Conversion
from services.ledger.domain.errors import InvalidRows

NOW = datetime(2026, 5, 1, tzinfo=UTC)
ALEX = uuid.uuid4()
SAM = uuid.uuid4()


def row(**fields: Any) -> ConversionImportRow:
    base: dict[str, Any] = {"affiliateEmail": "alex@example.com", "amountCents": 10000,
                            "commissionCents": 2500, "currency": "USD",
                            "occurredAt": "2025-01-15T00:00:00Z"}
    base.update(fields)
    return ConversionImportRow.model_validate({k: v for k, v in base.items() if v is not ...})


def errors_of(*rows: ConversionImportRow) -> list[dict[str, Any]]:
    with pytest.raises(InvalidRows) as caught:
        d.check_rows(rows, NOW)
    assert caught.value.code == "invalid_rows" and caught.value.field == "conversions"
    errors: list[dict[str, Any]] = caught.value.extra["errors"]
    return errors


@pytest.mark.parametrize(("fields", "code"), [
    ({"affiliateEmail": None}, "affiliate_email_or_slug_required"),
    ({"affiliateEmail": "  ", "affiliateSlug": ""}, "affiliate_email_or_slug_required"),
    ({"amountCents": -1}, "amount_out_of_range"),
    ({"amountCents": 100_000_001}, "amount_out_of_range"),
    ({"amountCents": 10.5}, "amount_out_of_range"),
    ({"amountCents": "100"}, "amount_out_of_range"),
    ({"amountCents": True}, "amount_out_of_range"),
    ({"amountCents": ...}, "amount_out_of_range"),
    ({"commissionCents": -5}, "commission_out_of_range"),
    ({"commissionCents": 100_000_001}, "commission_out_of_range"),
    ({"currency": "XXX"}, "unsupported_currency"),
    ({"currency": "usd"}, "unsupported_currency"),
    ({"currency": None}, "unsupported_currency"),
    ({"occurredAt": None}, "occurred_at_required"),
    ({"occurredAt": ""}, "occurred_at_required"),
    ({"occurredAt": "last tuesday"}, "invalid_occurred_at"),
    ({"occurredAt": 1700000000}, "invalid_occurred_at"),
    ({"occurredAt": "2027-01-01T00:00:00Z"}, "invalid_occurred_at"),
    ({"type": "Bonus"}, "invalid_type"),
    ({"type": "onetime"}, "invalid_type"),
    ({"customerEmail": "not an email"}, "invalid_customer_email"),
])
def test_each_bad_row_is_reported_by_index(fields: dict[str, Any], code: str) -> None:
    assert errors_of(row(), row(**fields)) == [{"index": 1, "error": code}]


def test_every_offending_row_is_listed() -> None:
    bad = [row(), row(amountCents=-1), row(), row(type="X"), row(currency="ZZZ")]
    assert errors_of(*bad) == [{"index": 1, "error": "amount_out_of_range"},
                               {"index": 3, "error": "invalid_type"},
                               {"index": 4, "error": "unsupported_currency"}]


def test_valid_rows_are_normalised() -> None:
    [checked] = d.check_rows([row(affiliateEmail=" Alex@Example.COM ", affiliateSlug="ALEX",
                                  occurredAt="2025-01-15T02:00:00+02:00", amountCents=0,
                                  commissionCents=100_000_000, customerEmail="B@X.io")], NOW)
    assert checked.affiliate_email == "alex@example.com" and checked.affiliate_slug == "alex"
    assert checked.occurred_at == datetime(2025, 1, 15, tzinfo=UTC)
    assert checked.type == "OneTime" and checked.customer_email == "b@x.io"
    [naive] = d.check_rows([row(occurredAt="2025-01-15")], NOW)
    assert naive.occurred_at == datetime(2025, 1, 15, tzinfo=UTC)


def test_the_key_is_the_external_id_else_the_content_without_paid() -> None:
    [with_id, other_id] = d.check_rows([row(externalId="src-1"), row(externalId="src-2")], NOW)
    assert with_id.key == "ext:src-1" and other_id.key == "ext:src-2"
    a, b, c = d.check_rows([row(), row(paid=True), row(amountCents=10001)], NOW)
    assert a.key == b.key != c.key and a.key.startswith("row:")


def lookup(**overrides: Any) -> d.Lookup:
    values: dict[str, Any] = {"by_email": {"alex@example.com": ALEX},
                              "by_slug": {"sam": SAM},
                              "imported_keys": frozenset(), "booked_external_ids": frozenset()}
    values.update(overrides)
    return d.Lookup(**values)


def test_plan_skips_with_reasons() -> None:
    rows = d.check_rows([
        row(externalId="1"), row(externalId="1"),  # duplicate_in_batch
        row(externalId="2", paid=True),  # excluded_paid
        row(externalId="3"),  # already_imported
        row(externalId="4"),  # already_recorded
        row(externalId="5", affiliateEmail="nobody@example.com"),  # affiliate_not_found
        row(externalId="6", affiliateEmail="nobody@example.com", affiliateSlug="Sam"),
    ], NOW)
    plan = d.plan_conversions(rows, lookup(imported_keys=frozenset({"ext:3"}),
                                           booked_external_ids=frozenset({"3", "4"})),
                              exclude_paid=True)
    assert [(p.row.external_id, p.affiliate_id) for p in plan.rows] == [("1", ALEX),
                                                                       ("6", SAM)]
    assert dict(plan.reasons) == {"duplicate_in_batch": 1, "excluded_paid": 1,
                                  "already_imported": 1, "already_recorded": 1,
                                  "affiliate_not_found": 1}
    assert plan.total == 7 and plan.skipped == 5


def test_email_wins_over_slug() -> None:
    [checked] = d.check_rows([row(affiliateSlug="sam")], NOW)
    assert d.plan_conversions([checked], lookup(), exclude_paid=False).rows[0].affiliate_id \
        == ALEX


def test_only_confirmed_unpaid_rows_are_ever_payable() -> None:
    assert d.settle(True, False) == d.Settled("Paid", locked=True)
    assert d.settle(True, True) == d.Settled("Paid", locked=True)
    assert d.settle(False, False) == d.Settled("Pending", locked=True)
    assert d.settle(False, True) == d.Settled("Approved", locked=False)


def test_preview_balances_per_currency() -> None:
    rows = d.check_rows([
        row(paid=True, commissionCents=2500), row(paid=False, commissionCents=5000),
        row(paid=False, commissionCents=700, currency="EUR", externalId="e"),
        row(paid=False, commissionCents=1, amountCents=1, externalId="x"),
        row(paid=True, commissionCents=9, externalId="nf", affiliateEmail="no@example.com"),
    ], NOW)
    preview = as_json(d.preview_of(d.plan_conversions(rows, lookup(), exclude_paid=False)))
    assert preview == {
        "rowsTotal": 5, "wouldImport": 4, "wouldSkip": 1, "wouldError": 0,
        "skipReasons": {"affiliate_not_found": 1},
        "paidBalance": [{"currency": "USD", "commissionCents": 2500, "count": 1}],
        "unpaidBalance": [{"currency": "EUR", "commissionCents": 700, "count": 1},
                          {"currency": "USD", "commissionCents": 5001, "count": 2}]}
    excluded = as_json(d.preview_of(d.plan_conversions(rows, lookup(), exclude_paid=True)))
    assert excluded["paidBalance"] == [] and excluded["skipReasons"] == {"excluded_paid": 2}
    assert excluded["unpaidBalance"] == preview["unpaidBalance"]


@pytest.mark.parametrize(("value", "expected"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1", "'+1"), ("-2", "'-2"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("SARAH20", "SARAH20"),
    ("a=b", "a=b"), ("", ""), (None, ""), (-5, -5), (0, 0), (9900, 9900),
])
def test_formula_cells_are_neutralised_numbers_are_not(value: Any, expected: Any) -> None:
    assert safe_cell(value) == expected


def test_csv_lines_quote_and_escape() -> None:
    text = csv_lines([["=1+1", 'say "hi", ok', -3], ["a\nb", None, 7]])
    assert text == "'=1+1,\"say \"\"hi\"\", ok\",-3\r\n\"a\nb\",,7\r\n"
    assert list(csv.reader(io.StringIO(text))) == [["'=1+1", 'say "hi", ok', "-3"],
                                                   ["a\nb", "", "7"]]


def test_export_cells_follow_the_reference_header() -> None:
    c = Conversion(
        id=uuid.uuid4(), org_id=uuid.uuid4(), program_id=uuid.uuid4(), affiliate_id=ALEX,
        amount_cents=9900, currency="USD", commission_cents=1980, status="Approved",
        type="OneTime", external_event_id="=cmd|' /C calc'!A0", stripe_subscription_id="sub",
        stripe_customer_id="cus", customer_id=None, customer_email="x@y.z",
        attribution_method="coupon", coupon_code="SARAH20", parent_affiliate_conversion_id=None,
        created_at=datetime(2026, 5, 10, 16, tzinfo=UTC))
    assert ",".join(EXPORT_COLUMNS) == (
        "id,affiliate_id,program_id,amount_cents,currency,commission_cents,status,type,"
        "external_event_id,created_at,refunded_at,attribution_method,coupon_code")
    [line] = list(csv.reader(io.StringIO(csv_lines([export_cells(c)]))))
    assert dict(zip(EXPORT_COLUMNS, line, strict=True)) == {
        "id": str(c.id), "affiliate_id": str(ALEX), "program_id": str(c.program_id),
        "amount_cents": "9900", "currency": "USD", "commission_cents": "1980",
        "status": "Approved", "type": "OneTime", "external_event_id": "'=cmd|' /C calc'!A0",
        "created_at": "2026-05-10T16:00:00Z", "refunded_at": "",
        "attribution_method": "coupon", "coupon_code": "SARAH20"}
