"""What one event message on the bus carries: a single event, or a pack of events with one
routing key (the outbox relays bursts so), and the ``Delivery`` a consumer sees for each."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

from aio_pika.abc import AbstractIncomingMessage

from libs.shared import jsonutil

# Header of a message that packs several events (its value: how many).
PACKED = "x-rekomi-packed"
# A pack's body is deflated: its events repeat the same keys, so 50 sales compress 3.4 times
# even with every id random (23 KB to 6.9 KB; 7.7 times for one org's real sales), for 3.9 us
# an event to deflate and inflate (``python -m bench mechanisms``, pack_deflate): under 1% of
# the ~800 us of stack CPU a sale costs. What it saves is the broker's disk: every event a
# quorum queue takes is written to its log and later to its segment files; at 3,000 sales/s
# that was 4.3 MB/s, moving a full 512 MB log to its segments wrote 200 MB in one second and
# stalled the commits of the services sharing the disk, and over a 20-s S2S run RabbitMQ wrote
# 27 MB deflated against 102 MB plain (/proc/<pid>/io, a08c7c4).
PACK_ENCODING = "deflate"
PACK_LEVEL = 1


@dataclass(frozen=True, slots=True)
class Delivery:
    """An event as a consumer sees it."""

    message_id: str
    routing_key: str
    body: dict[str, Any]
    headers: dict[str, Any]
    redelivered: bool
    delivery_count: int


def pack(events: list[tuple[str, bytes, dict[str, Any]]]) -> bytes:
    """The deflated body of a pack: each event's id, headers and JSON body, in order."""
    packed = b"[" + b",".join(
        b'{"id":' + jsonutil.dumps(message_id) + b',"h":' + jsonutil.dumps(headers)
        + b',"b":' + body + b"}" for message_id, body, headers in events) + b"]"
    return zlib.compress(packed, PACK_LEVEL)


def delivery_count(message: AbstractIncomingMessage) -> int:
    """How many earlier deliveries failed (the quorum queue's count)."""
    return int((message.headers or {}).get("x-delivery-count", 0) or 0)  # type: ignore[arg-type]


def deliveries_of(message: AbstractIncomingMessage) -> list[Delivery]:
    """The events a message carries: itself, or each event of a pack."""
    headers = dict(message.headers or {})
    raw = message.body
    if message.content_encoding == PACK_ENCODING:
        raw = zlib.decompress(raw)
    body = jsonutil.loads(raw)
    key, redelivered, count = message.routing_key or "", bool(message.redelivered), \
        delivery_count(message)
    if PACKED not in headers:
        return [Delivery(message.message_id or "", key, body, headers, redelivered, count)]
    return [Delivery(item["id"], key, item["b"], item["h"], redelivered, count)
            for item in body]


def header_text(headers: dict[str, Any], name: str) -> str | None:
    """A header's text (aio-pika may hand it over as bytes), or None."""
    value = headers.get(name)
    if isinstance(value, bytes):
        return value.decode()
    return value if isinstance(value, str) else None
