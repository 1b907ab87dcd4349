"""The webhooks service's sealed columns: each endpoint's signing secret and its rotated-out
predecessor, sealed at rest under the settings' key ring (libs/shared/secret_box.py)."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import asyncpg

from libs.shared.sealed_columns import SealedColumns, reseal_all
from libs.shared.secret_box import KeyRing, get_key_ring

log = logging.getLogger(__name__)
ENDPOINT_SECRETS = SealedColumns("webhooks", "endpoints", ("secret", "previous_secret"))


def sealed_row(values: dict[str, Any], ring: KeyRing | None = None) -> dict[str, Any]:
    """An endpoint's column values with its secrets sealed."""
    return _map(values, (ring or get_key_ring()).seal)


def opened_row(values: dict[str, Any], ring: KeyRing | None = None) -> dict[str, Any]:
    """An endpoint row's values with its secrets opened."""
    return _map(values, (ring or get_key_ring()).open)


def _map(values: dict[str, Any], how: Any) -> dict[str, Any]:
    endpoint_id: uuid.UUID = values["id"]
    return {**values, **{c: how(values[c], ENDPOINT_SECRETS.context(c, endpoint_id))
                         for c in ENDPOINT_SECRETS.columns if values.get(c) is not None}}


async def seal_legacy_rows(pool: asyncpg.Pool, ring: KeyRing, batch: int) -> int:
    """At start: seal the secrets stored before encryption (migration 0004's data step).
    Idempotent, resumable, safe with several replicas starting at once."""
    done = await reseal_all(pool, ENDPOINT_SECRETS, ring, legacy_only=True, batch=batch)
    if done:
        log.info("sealed endpoint secrets stored in clear", extra={"endpoints": done})
    return done
