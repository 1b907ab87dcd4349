"""Who is calling: the API key, its org and the org's plan as the gateway last read them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from services.gateway.domain.plans import SubscriptionStatus, Tier
from services.gateway.domain.scopes import Scope


@dataclass(frozen=True, slots=True)
class Principal:
    key_id: uuid.UUID
    org_id: uuid.UUID
    scope: Scope
    plan: Tier
    status: SubscriptionStatus
