"""Pure helpers in libs.shared: pagination, ids, money and the error envelope."""

from __future__ import annotations

import base64
import os
import pickle
import time
import uuid
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from libs.shared import ids
from libs.shared.errors import (
    Conflict,
    NotFound,
    RekomiError,
    ValidationFailed,
    envelope,
    pydantic_field,
)
from libs.shared.ids import new_id, new_ulid
from libs.shared.money import SUPPORTED_CURRENCIES, Money, is_supported_currency
from libs.shared.pagination import (
    DEFAULT_TAKE,
    MAX_TAKE,
    Cursor,
    decode_cursor,
    encode_cursor,
    page_of,
    parse_take,
)

CROCKFORD = set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")


# ---- pagination ------------------------------------------------------------------------------
@pytest.mark.parametrize(("raw", "expected"), [
    (None, DEFAULT_TAKE), ("", DEFAULT_TAKE), ("1", 1), ("50", 50), ("200", MAX_TAKE),
])
def test_parse_take_accepts_bounds_and_defaults(raw: str | None, expected: int) -> None:
    assert parse_take(raw) == expected


@pytest.mark.parametrize("raw", ["0", "-1", "201", "1000000", "abc", "1.5", "1e2", "ten"])
def test_parse_take_rejects_out_of_range_and_garbage(raw: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        parse_take(raw)
    assert info.value.field == "take"
    assert info.value.code == "validation_failed"
    assert info.value.envelope()["field"] == "take"


def test_cursor_round_trip_is_opaque_and_exact() -> None:
    cursor = Cursor(datetime(2024, 5, 17, 12, 30, 45, 123456, tzinfo=UTC), new_id())
    raw = encode_cursor(cursor)
    assert "=" not in raw  # padding stripped: safe in a query string
    assert set(raw) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    decoded = decode_cursor(raw)
    assert decoded == cursor
    assert decoded is not None and decoded.created_at.utcoffset() == timedelta(0)


def test_decode_cursor_empty_is_none() -> None:
    assert decode_cursor(None) is None
    assert decode_cursor("") is None


def _b64(value: object) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(value)).decode().rstrip("=")


# Fixed ids in parameters: pytest-xdist workers must collect the same test ids.
SOME_ID = "5b0e7c1d-9a3f-4e2b-8c6d-1f4a7e9b3c20"


@pytest.mark.parametrize("raw", [
    "not-a-cursor",
    "!!!!",
    "a",
    "é",  # non-ascii
    "\ud800",  # lone surrogate: not even encodable
    _b64({"t": "yesterday", "i": SOME_ID}),
    _b64({"t": "2024-01-01T00:00:00+00:00", "i": "nope"}),
    _b64({"t": "2024-01-01T00:00:00+00:00", "i": 5}),
    _b64({"t": 5, "i": SOME_ID}),
    _b64({"t": "2024-01-01T00:00:00+00:00"}),
    _b64([1, 2]),
    _b64("string"),
    _b64(7),
    _b64(None),
])
def test_decode_cursor_garbage_is_validation_failed_on_cursor(raw: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        decode_cursor(raw)
    assert info.value.field == "cursor"


def _rows(n: int) -> list[Cursor]:
    base = datetime(2024, 1, 1, tzinfo=UTC)
    return [Cursor(base + timedelta(seconds=i), uuid.uuid4()) for i in range(n)]


def test_page_of_with_more_rows_returns_cursor_of_last_row_on_page() -> None:
    rows = _rows(4)  # take + 1 fetched
    page, next_cursor, has_more = page_of(rows, 3, lambda r: r)
    assert page == rows[:3]
    assert has_more is True
    assert next_cursor is not None and decode_cursor(next_cursor) == rows[2]


@pytest.mark.parametrize("n", [0, 2, 3])
def test_page_of_last_page_has_no_cursor(n: int) -> None:
    rows = _rows(n)
    page, next_cursor, has_more = page_of(rows, 3, lambda r: r)
    assert page == rows
    assert next_cursor is None
    assert has_more is False


# ---- ids -------------------------------------------------------------------------------------
def test_new_id_is_uuid_v7_with_rfc_variant_and_current_timestamp() -> None:
    before = time.time_ns() // 1_000_000
    value = new_id()
    after = time.time_ns() // 1_000_000
    assert isinstance(value, uuid.UUID)
    assert value.version == 7
    assert value.variant == uuid.RFC_4122
    assert before <= value.int >> 80 <= after


def test_new_ids_are_unique_and_random_bits_vary() -> None:
    ids = [new_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    # the 12 "rand_a" bits right after the version nibble are random, not constant
    assert len({(i.int >> 64) & 0xFFF for i in ids}) > 100


def test_a_forked_child_does_not_repeat_its_parents_random_bits() -> None:
    ids._random.take80()  # the buffer now holds bits the parent has not used yet
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next bits must not be the parent's next bits
        os.write(write_end, ids._random.take80().to_bytes(10, "big"))
        os._exit(0)
    os.waitpid(pid, 0)
    child_bits = int.from_bytes(os.read(read_end, 10), "big")
    os.close(read_end)
    os.close(write_end)
    assert child_bits != ids._random.take80()


def test_new_id_is_a_plain_uuid_that_compares_hashes_and_pickles_like_one() -> None:
    value = new_id()
    same = uuid.UUID(str(value))
    assert value == same and hash(value) == hash(same) and str(value) == str(same)
    assert pickle.loads(pickle.dumps(value)) == value
    assert {value: 1}[same] == 1


def test_new_id_sorts_by_creation_time() -> None:
    ids = []
    for _ in range(5):
        ids.append(new_id())
        time.sleep(0.002)
    assert sorted(ids) == ids
    assert sorted(str(i) for i in ids) == [str(i) for i in ids]


def test_new_ulid_is_26_crockford_chars_and_sorts_by_time() -> None:
    first = new_ulid()
    time.sleep(0.002)
    second = new_ulid()
    for value in (first, second):
        assert len(value) == 26
        assert set(value) <= CROCKFORD
        assert value[0] in "01234567"  # 128 bits fit in 26 * 5 = 130
    assert first < second
    assert len({new_ulid() for _ in range(1000)}) == 1000


def test_new_ulid_carries_the_millisecond_time_in_its_first_48_bits() -> None:
    before = time.time_ns() // 1_000_000
    value = new_ulid()
    after = time.time_ns() // 1_000_000
    digits = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    number = 0
    for char in value:
        number = number * 32 + digits.index(char)
    assert number < 1 << 128
    assert before <= number >> 80 <= after


# ---- money -----------------------------------------------------------------------------------
def test_money_holds_integer_minor_units() -> None:
    assert Money(1999, "EUR").cents == 1999
    assert Money(0, "JPY").currency == "JPY"


@pytest.mark.parametrize("cents", [1.0, 19.99, "100", True, None])
def test_money_rejects_non_integers(cents: object) -> None:
    with pytest.raises(TypeError):
        Money(cents, "USD")  # type: ignore[arg-type]


@pytest.mark.parametrize("currency", ["XXX", "usd", "", "EURO", "BTC"])
def test_money_rejects_unknown_currencies(currency: str) -> None:
    assert not is_supported_currency(currency)
    with pytest.raises(ValueError, match="currency"):
        Money(100, currency)


def test_money_addition() -> None:
    assert Money(150, "USD") + Money(250, "USD") == Money(400, "USD")
    with pytest.raises(ValueError, match="different currencies"):
        Money(150, "USD") + Money(250, "EUR")


def test_supported_currencies_are_iso_codes() -> None:
    assert all(len(c) == 3 and c.isupper() for c in SUPPORTED_CURRENCIES)
    assert {"USD", "EUR", "GBP"} <= set(SUPPORTED_CURRENCIES)


# ---- errors ----------------------------------------------------------------------------------
def test_envelope_shape() -> None:
    assert envelope("not_found", "no such org") == {
        "error": "not_found", "message": "no such org", "field": None}
    assert envelope("validation_failed", "bad", "email", limit=3) == {
        "error": "validation_failed", "message": "bad", "field": "email", "limit": 3}


@pytest.mark.parametrize(("cls", "code"), [
    (RekomiError, "internal_error"), (ValidationFailed, "validation_failed"),
    (NotFound, "not_found"), (Conflict, "conflict"),
])
def test_error_subclasses_carry_their_code(cls: type[RekomiError], code: str) -> None:
    exc = cls("went wrong", field="x")
    assert exc.code == code
    assert exc.envelope() == {"error": code, "message": "went wrong", "field": "x"}


def test_error_defaults_and_overrides() -> None:
    exc = NotFound()
    assert exc.envelope() == {"error": "not_found", "message": "not found", "field": None}
    custom = RekomiError("slow down", code="rate_limited", extra={"retryAfter": 3})
    assert custom.envelope() == {"error": "rate_limited", "message": "slow down", "field": None,
                                 "retryAfter": 3}
    # overriding the code on an instance does not change the class default
    assert RekomiError().code == "internal_error"


def test_pydantic_field() -> None:
    assert pydantic_field(("body", "payout", "amount")) == "payout.amount"
    assert pydantic_field(("query", "take")) == "take"
    assert pydantic_field(("items", 0, "sku")) == "items.0.sku"
    assert pydantic_field(("body",)) is None
