"""One JSON codec for HTTP bodies and bus messages (orjson: UUIDs, datetimes, speed)."""

from __future__ import annotations

import uuid
from typing import Any

import orjson


def uuid_subclass(value: Any) -> str:
    """orjson's ``default`` for asyncpg's UUID (a ``uuid.UUID`` subclass, in every id read
    from the database), which orjson does not write by itself."""
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, default=uuid_subclass,
                        option=orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC)


def dumps_str(value: Any) -> str:
    return dumps(value).decode()


loads = orjson.loads
JSONDecodeError = orjson.JSONDecodeError
