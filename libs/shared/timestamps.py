"""The one written form of a moment that a client sees: whole seconds, UTC, ``Z``
(``2026-05-01T12:00:00Z``, as every example of the reference). JSON replies (the contracts'
``Timestamp`` type, which also shapes webhook ``data`` and audit snapshots), CSV exports and
webhook bodies all write moments with ``wire_timestamp``.

Only what is shown is cut: rows, bus messages and pagination cursors keep microseconds, so
ordering, keyset cursors and "an older event never wins" comparisons see full precision."""

from __future__ import annotations

from datetime import UTC, datetime

# What ``wire_timestamp`` writes, for schemas and tests.
WIRE_TIMESTAMP_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"


def wire_timestamp(moment: datetime) -> str:
    """Truncated, never rounded: a rounded-up moment could be later than the thing it stamps
    (or fall on the next day). A naive moment is taken as UTC, as the JSON codec takes it."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    # isoformat, not strftime: it writes a four-digit year for every year, and its "seconds"
    # timespec truncates.
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
