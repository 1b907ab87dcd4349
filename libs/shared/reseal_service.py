"""The owner's side of ``rekomi admin rotate-secrets-key`` for a service holding sealed
columns: one batch per call, re-sealed under the service's newest key, which must be the one
the command names (so no row moves to a key a running service might not hold)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import asyncpg

from libs.contracts.secrets import ResealProgress, ResealSecrets
from libs.shared.errors import RekomiError
from libs.shared.sealed_columns import SealedColumns, reseal_step, stale_prefix
from libs.shared.secret_box import get_key_ring

ResealUseCase = Callable[[asyncpg.Pool, ResealSecrets], Awaitable[ResealProgress]]


class SecretsKeyMismatch(RekomiError):
    code = "secrets_key_mismatch"


def reseal_use_case(spec: SealedColumns, service: str) -> ResealUseCase:
    async def reseal(pool: asyncpg.Pool, cmd: ResealSecrets) -> ResealProgress:
        ring = get_key_ring()
        if cmd.key_id != ring.primary:
            raise SecretsKeyMismatch(
                f"the {service} service seals under key {ring.primary!r}, not "
                f"{cmd.key_id!r}: restart every service with the new key first in "
                "REKOMI_SECRETS_KEYS")
        changed, left = await reseal_step(pool, spec, ring,
                                          stale_prefix(ring, legacy_only=False), cmd.limit)
        return ResealProgress(key_id=ring.primary, resealed=changed, remaining=left)
    return reseal
