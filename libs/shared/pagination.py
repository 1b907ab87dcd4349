"""Cursor pagination: an opaque cursor over (createdAt, id); ``take`` 1..200, default 50."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

import orjson

from libs.shared.errors import ValidationFailed

T = TypeVar("T")

DEFAULT_TAKE = 50
_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
_LATEST = datetime(9000, 1, 1, tzinfo=UTC)
MAX_TAKE = 200


@dataclass(frozen=True, slots=True)
class Cursor:
    created_at: datetime
    id: uuid.UUID


@dataclass(frozen=True, slots=True)
class PageRequest:
    take: int = DEFAULT_TAKE
    after: Cursor | None = None


def parse_take(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_TAKE
    try:
        take = int(raw)
    except ValueError:
        raise ValidationFailed(f"take must be an integer between 1 and {MAX_TAKE}",
                               field="take") from None
    if not 1 <= take <= MAX_TAKE:
        raise ValidationFailed(f"take must be between 1 and {MAX_TAKE}", field="take")
    return take


def encode_cursor(cursor: Cursor) -> str:
    raw = orjson.dumps({"t": cursor.created_at.isoformat(), "i": str(cursor.id)})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(raw: str | None) -> Cursor | None:
    if raw is None or raw == "":
        return None
    try:
        padded = raw + "=" * (-len(raw) % 4)
        data = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
        moment = datetime.fromisoformat(data["t"])
        cursor = Cursor(moment, uuid.UUID(data["i"]))
        # A forged moment outside what PostgreSQL stores would fail in the query instead.
        if moment.tzinfo is None or not _EARLIEST <= moment <= _LATEST:
            raise ValueError("cursor moment out of range")
        return cursor
    except (binascii.Error, orjson.JSONDecodeError, KeyError, TypeError, ValueError,
            AttributeError, OverflowError):  # AttributeError: uuid.UUID(<non-string>)
        raise ValidationFailed("cursor is not valid", field="cursor") from None


def page_of(rows: Sequence[T], take: int, cursor_of: Callable[[T], Cursor]
            ) -> tuple[list[T], str | None, bool]:
    """Split ``take + 1`` fetched rows into the page, the next cursor and ``hasMore``."""
    has_more = len(rows) > take
    page = list(rows[:take])
    next_cursor = encode_cursor(cursor_of(page[-1])) if has_more and page else None
    return page, next_cursor, has_more


def keyset_sql(where: list[str], args: list[object], after: Cursor | None, take: int, *,
               newest_first: bool = False, id_of: Callable[[Cursor], object] = lambda c: c.id
               ) -> str:
    """`` WHERE ... ORDER BY created_at, id LIMIT $n``: the ``take + 1`` rows after ``after``
    in (created_at, id) order, oldest first (or newest first), for ``page_of`` to split. Adds the
    cursor's condition to ``where`` and its values and the limit to ``args`` (``id_of``: the
    cursor's id as the table stores it)."""
    if after is not None:
        args += [after.created_at, id_of(after)]
        where.append(f"(created_at, id) {'<' if newest_first else '>'} "
                     f"(${len(args) - 1}, ${len(args)})")
    args.append(take + 1)
    order = "created_at DESC, id DESC" if newest_first else "created_at, id"
    return f" WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ${len(args)}"
