"""Orgs and API keys for tests, made in-process by the use cases behind ``rekomi admin
create-org`` and ``create-key`` (services/gateway/service_layer/admin.py), on the real database:
the audit rows, the ``org.settings_changed`` announcement through the outbox and the NOTIFY
that empties the gateways' key caches all happen as they do from the CLI. Starting the CLI as
a process per test cost about a second each; tests/e2e/test_admin_cli.py runs the real one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from libs.shared.db import connect
from libs.shared.settings import Settings
from services.gateway.domain.plans import SubscriptionStatus, Tier
from services.gateway.domain.scopes import Scope
from services.gateway.service_layer import admin


@dataclass
class Org:
    org_id: str
    handle: str
    api_key: str
    signing_secret: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


async def new_org(plan: str = "Pro", status: str = "Active", currency: str = "USD") -> Org:
    """An org with a read_write key."""
    handle = f"org-{uuid.uuid4().hex[:10]}"
    conn = await connect(Settings().database_url, "gateway")
    try:
        made = await admin.create_org(conn, name=f"Brand {handle}", handle=handle,
                                      plan=Tier(plan), status=SubscriptionStatus(status),
                                      home_currency=currency)
    finally:
        await conn.close()
    return Org(str(made.org_id), made.handle, made.api_key, made.signing_secret)


async def new_key(org: Org, scope: str) -> dict[str, str]:
    """Authorization headers for a fresh key of ``scope`` on ``org``."""
    conn = await connect(Settings().database_url, "gateway")
    try:
        _key_id, plaintext = await admin.create_key(conn, uuid.UUID(org.org_id), Scope(scope))
    finally:
        await conn.close()
    return {"Authorization": f"Bearer {plaintext}"}
