"""Idempotent consumers: remember each applied message id inside the same transaction."""

from __future__ import annotations

from libs.shared.db import Conn


async def first_time(conn: Conn, consumer: str, message_id: str) -> bool:
    """True the first time ``message_id`` is seen by ``consumer``; call inside the transaction
    that applies the message, so a rollback forgets it too."""
    inserted = await conn.fetchval(
        "INSERT INTO inbox (consumer, message_id) VALUES ($1, $2) "
        "ON CONFLICT DO NOTHING RETURNING true", consumer, message_id)
    return bool(inserted)
