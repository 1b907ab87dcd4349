"""Operator actions on orgs and keys (the ``rekomi admin`` command); each is audited."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg

from libs.contracts.api_keys import ApiKeyKind, ApiKeyScope
from libs.contracts.audit import AuditRecorded
from libs.contracts.common import Actor, ActorType
from libs.shared.db import Conn
from libs.shared.errors import ValidationFailed
from libs.shared.ids import new_id
from libs.shared.money import is_supported_currency
from services.gateway.adapters.audit_repository import insert_audit
from services.gateway.adapters.orgs_repository import NewOrg, OrgsRepository
from services.gateway.domain import secrets
from services.gateway.domain.errors import HandleTaken, OrgNotFound
from services.gateway.domain.plans import SubscriptionStatus, Tier
from services.gateway.domain.scopes import Scope
from services.gateway.service_layer import api_keys
from services.gateway.service_layer.org_settings import announce

ADMIN = Actor(type=ActorType.admin)


@dataclass(frozen=True, slots=True)
class CreatedOrg:
    org_id: uuid.UUID
    handle: str
    api_key: str
    signing_secret: str


async def _audit(conn: Conn, org_id: uuid.UUID, action: str, entity_type: str,
                 entity_id: uuid.UUID, before: dict[str, Any] | None,
                 after: dict[str, Any] | None) -> None:
    await insert_audit(conn, AuditRecorded(
        id=new_id(), org_id=org_id, action=action, entity_type=entity_type,
        entity_id=str(entity_id), actor=ADMIN, before=before, after=after,
        created_at=datetime.now(UTC)))


async def create_key(conn: Conn, org_id: uuid.UUID, scope: Scope, *,
                     kind: ApiKeyKind = ApiKeyKind.live, name: str | None = None
                     ) -> tuple[uuid.UUID, str]:
    """Returns the key id and the plaintext key; the plaintext is never stored."""
    created = await api_keys.create_key(conn, org_id, ApiKeyScope(scope.value), ADMIN,
                                        kind=kind, name=name)
    return created.id, created.key


async def create_org(conn: Conn, *, name: str, handle: str, plan: Tier,
                     status: SubscriptionStatus, home_currency: str = "USD") -> CreatedOrg:
    if not is_supported_currency(home_currency):
        raise ValidationFailed(f"unsupported currency {home_currency}", field="homeCurrency",
                               code="unsupported_currency")
    org = NewOrg(id=new_id(), name=name, handle=handle, plan=plan, status=status,
                 home_currency=home_currency, signing_secret=secrets.new_signing_secret())
    async with conn.transaction():
        if not await OrgsRepository(conn).add_org(org):
            raise HandleTaken(f"handle {handle!r} is taken", field="handle")
        await _audit(conn, org.id, "org.created", "org", org.id, None,
                     {"name": name, "handle": handle, "plan": plan.value,
                      "subscriptionStatus": status.value, "homeCurrency": home_currency})
        await announce(conn, org.id)
        _key_id, api_key = await create_key(conn, org.id, Scope.read_write)
    return CreatedOrg(org.id, handle, api_key, org.signing_secret)


async def revoke_key(conn: Conn, key_id: uuid.UUID) -> None:
    await api_keys.revoke_key(conn, key_id, ADMIN)


async def set_plan(conn: Conn, org_id: uuid.UUID, plan: Tier,
                   status: SubscriptionStatus) -> None:
    async with conn.transaction():
        repo = OrgsRepository(conn)
        before = await repo.org(org_id)
        if before is None:
            raise OrgNotFound(f"no org {org_id}")
        await repo.set_plan(org_id, plan, status)
        await _audit(conn, org_id, "org.plan_changed", "org", org_id,
                     {"plan": before["plan"], "subscriptionStatus": before["subscription_status"]},
                     {"plan": plan.value, "subscriptionStatus": status.value})
        await announce(conn, org_id)


async def org_by_handle(conn: Conn, handle: str) -> asyncpg.Record | None:
    return await OrgsRepository(conn).org_by_handle(handle)


async def signing_secret(conn: Conn, org_id: uuid.UUID) -> str:
    """The org's current S2S signing secret in clear (the demo prints it again)."""
    found = await OrgsRepository(conn).signing_secrets(org_id)
    if found is None:
        raise OrgNotFound(f"no org {org_id}")
    return found.current
