"""Re-sealing the webhooks service's secrets under the newest key, a batch per call (the
service owns the endpoints table, so ``rekomi admin rotate-secrets-key`` asks it)."""

from __future__ import annotations

from libs.shared.reseal_service import reseal_use_case
from services.webhooks.adapters.sealed_secrets import ENDPOINT_SECRETS

reseal = reseal_use_case(ENDPOINT_SECRETS, "webhooks")
