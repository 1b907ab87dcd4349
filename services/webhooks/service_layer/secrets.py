"""Re-sealing the webhooks service's secrets under the newest key, a batch per call (the
service owns the endpoints table, so ``rekomi admin rotate-secrets-key`` asks it)."""

from __future__ import annotations

import asyncpg

from libs.contracts.secrets import ResealProgress, ResealSecrets
from libs.shared.errors import RekomiError
from libs.shared.sealed_columns import reseal_step, stale_prefix
from libs.shared.secret_box import get_key_ring
from services.webhooks.adapters.sealed_secrets import ENDPOINT_SECRETS


class SecretsKeyMismatch(RekomiError):
    code = "secrets_key_mismatch"


async def reseal(pool: asyncpg.Pool, cmd: ResealSecrets) -> ResealProgress:
    """One batch of ``rekomi admin rotate-secrets-key``: rows under an older key re-sealed
    under the newest, which must be the one the command names."""
    ring = get_key_ring()
    if cmd.key_id != ring.primary:
        raise SecretsKeyMismatch(
            f"the webhooks service seals under key {ring.primary!r}, not {cmd.key_id!r}: "
            "restart every service with the new key first in REKOMI_SECRETS_KEYS")
    changed, left = await reseal_step(pool, ENDPOINT_SECRETS, ring,
                                      stale_prefix(ring, legacy_only=False), cmd.limit)
    return ResealProgress(key_id=ring.primary, resealed=changed, remaining=left)
