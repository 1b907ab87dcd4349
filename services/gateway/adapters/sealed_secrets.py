"""The gateway's sealed columns: the orgs' S2S signing secrets (current and rotated-out), kept
sealed at rest under the settings' key ring (libs/shared/secret_box.py). Opened when an org's
secrets are loaded into a replica's cache (adapters/principal_cache.py), never per request."""

from __future__ import annotations

import logging
import uuid

import asyncpg

from libs.shared.errors import RekomiError
from libs.shared.sealed_columns import SealedColumns, reseal_all
from libs.shared.secret_box import KeyRing, UnreadableSecret
from services.gateway.domain.signing_secrets import SigningSecrets

log = logging.getLogger(__name__)
CURRENT, PREVIOUS = "signing_secret", "previous_signing_secret"
ORG_SECRETS = SealedColumns("gateway", "orgs", (CURRENT, PREVIOUS))


class SecretsKeyUnavailable(RekomiError):
    """A stored secret does not open under the ring this process holds (its key was dropped
    too early, or the services run with different rings): the operator must fix the setting."""

    code = "secrets_key_unavailable"


def sealed(ring: KeyRing, org_id: uuid.UUID, secrets: SigningSecrets) -> tuple[str, str | None]:
    """The current and previous secrets as stored."""
    previous = secrets.previous
    return (ring.seal(secrets.current, ORG_SECRETS.context(CURRENT, org_id)),
            None if previous is None else ring.seal(previous,
                                                    ORG_SECRETS.context(PREVIOUS, org_id)))


def opened(ring: KeyRing, row: asyncpg.Record) -> SigningSecrets:
    """An org row's signing secrets in clear (``id`` and the three signing columns)."""
    org_id = row["id"]
    try:
        previous = row[PREVIOUS]
        return SigningSecrets(
            ring.open(row[CURRENT], ORG_SECRETS.context(CURRENT, org_id)),
            None if previous is None else ring.open(previous,
                                                    ORG_SECRETS.context(PREVIOUS, org_id)),
            row["previous_signing_secret_expires_at"])
    except UnreadableSecret as exc:
        log.error("signing secret unreadable", extra={"org": str(org_id), "error": str(exc)})
        raise SecretsKeyUnavailable("the org's signing secret cannot be read; the server's "
                                    "REKOMI_SECRETS_KEYS lacks its key") from None


async def seal_legacy_rows(pool: asyncpg.Pool, ring: KeyRing, batch: int) -> int:
    """At start: seal the signing secrets stored before encryption (migration 0018's data
    step). Idempotent, resumable, safe with several replicas starting at once."""
    done = await reseal_all(pool, ORG_SECRETS, ring, legacy_only=True, batch=batch)
    if done:
        log.info("sealed signing secrets stored in clear", extra={"orgs": done})
    return done
