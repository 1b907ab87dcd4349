"""Secrets: the S2S signing-secret rotation's reply (``POST /api/v1/signing-secret/rotate``)
and the webhooks service's re-sealing method, which ``rekomi admin rotate-secrets-key`` calls
until nothing is left (the gateway re-seals its own table itself)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from libs.contracts.common import Resource, Timestamp
from libs.shared.rpc import Rpc

SIGNING_SECRET_ROTATED = "org.signing_secret_rotated"  # the audit action


class SigningSecretRotated(Resource):
    signing_secret: str = Field(
        alias="signingSecret", description="The new `rks_` secret, shown once: sign every S2S "
        "request with it from now on")
    previous_secret_expires_at: Timestamp = Field(
        alias="previousSecretExpiresAt", description="Until then, requests signed with the "
        "previous secret are still accepted")


class ResealSecrets(BaseModel):
    """Re-seal up to ``limit`` rows under ``keyId``, which must be the service's own newest
    key (else 409 ``secrets_key_mismatch``: the service was not restarted with the new key)."""

    model_config = ConfigDict(populate_by_name=True)
    key_id: str = Field(alias="keyId")
    limit: int = Field(default=500, ge=1, le=10_000)


class ResealProgress(Resource):
    key_id: str = Field(alias="keyId")
    resealed: int
    remaining: int


RESEAL_WEBHOOK_SECRETS = Rpc("webhooks", "secrets.reseal", ResealSecrets, ResealProgress)
# The Stripe/Paddle connection secrets (issue 23) live in tracking's provider_integrations.
RESEAL_TRACKING_SECRETS = Rpc("tracking", "secrets.reseal", ResealSecrets, ResealProgress)
