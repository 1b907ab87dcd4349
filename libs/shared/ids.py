"""Identifiers: UUIDv7 for rows (time-ordered, index-friendly), ULIDs where the reference asks."""

from __future__ import annotations

import os
import time
import uuid

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Two Crockford digits per 10 bits: a ULID's 130 bits (two leading zeros, then 128) are 13
# lookups instead of 26 shifts and joins.
_PAIRS = tuple(a + b for a in _CROCKFORD for b in _CROCKFORD)
_RANDOM_CHUNK = 4096
_TIME_AND_VERSION = 0x7 << 76
_VARIANT = 0b10 << 62
_RAND_B = (1 << 62) - 1


class _RandomBits:
    """80 random bits at a time from ``os.urandom``, read a page at a time: every S2S sale
    makes several ids, and a ``getrandom`` call per id cost more than the rest of the id. A
    forked child starts with an empty buffer, so it never repeats its parent's bits."""

    __slots__ = ("buffer", "offset")

    def __init__(self) -> None:
        self.buffer = b""
        self.offset = 0

    def take80(self) -> int:
        offset = self.offset
        if offset + 10 > len(self.buffer):
            self.buffer, offset = os.urandom(_RANDOM_CHUNK), 0
        self.offset = offset + 10
        return int.from_bytes(self.buffer[offset:offset + 10], "big")

    def reset(self) -> None:
        self.buffer, self.offset = b"", 0


_random = _RandomBits()
os.register_at_fork(after_in_child=_random.reset)
_make_uuid = object.__new__
_set_field = object.__setattr__


def new_id() -> uuid.UUID:
    """A UUIDv7: 48-bit millisecond timestamp, then random bits, so ids sort by creation time."""
    rand = _random.take80()
    value = ((time.time_ns() // 1_000_000) & ((1 << 48) - 1)) << 80 | _TIME_AND_VERSION \
        | (rand >> 68) << 64 | _VARIANT | rand & _RAND_B
    # uuid.UUID(int=...) re-checks a value built valid here: the fields are set directly,
    # as UUID.__init__ itself sets them (the class forbids plain attribute assignment).
    built = _make_uuid(uuid.UUID)
    _set_field(built, "int", value)
    _set_field(built, "is_safe", uuid.SafeUUID.unknown)
    return built


def new_ulid() -> str:
    value = (time.time_ns() // 1_000_000) << 80 | _random.take80()
    pairs = _PAIRS
    return "".join([pairs[value >> shift & 0x3FF] for shift in range(120, -1, -10)])
