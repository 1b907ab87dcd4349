"""One JSON codec for HTTP bodies and bus messages (orjson: UUIDs, datetimes, speed)."""

from __future__ import annotations

from typing import Any

import orjson


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC)


def dumps_str(value: Any) -> str:
    return dumps(value).decode()


loads = orjson.loads
JSONDecodeError = orjson.JSONDecodeError
