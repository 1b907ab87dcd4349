"""Connecting Stripe or Paddle: the org's webhook secret (and Stripe's optional restricted key)
stored sealed, the status read back without secrets, disconnecting. Each change is audited
(never a secret in the audit row)."""

from __future__ import annotations

import asyncpg

from libs.contracts.integrations import (
    ConnectedProviders,
    ConnectIntegration,
    DisconnectIntegration,
    GetIntegration,
    IntegrationStatus,
    Provider,
)
from libs.contracts.programs import OrgScoped
from libs.shared.clock import now_utc
from libs.shared.ids import new_id
from libs.shared.secret_box import get_key_ring
from libs.shared.uow import Transaction, unit_of_work
from services.tracking.adapters.integrations_repository import (
    RESTRICTED_KEY,
    Connection,
    IntegrationsRepository,
)


def webhook_url(public_base_url: str, provider: Provider, org_handle: str) -> str:
    return f"{public_base_url.rstrip('/')}/api/integrations/{provider.value}/{org_handle}"


def status_of(public_base_url: str, cmd: GetIntegration,
              row: asyncpg.Record | None) -> IntegrationStatus:
    return IntegrationStatus(
        provider=cmd.provider, connected=row is not None,
        webhook_url=webhook_url(public_base_url, cmd.provider, cmd.org_handle),
        restricted_api_key_set=row is not None and row[RESTRICTED_KEY] is not None,
        connected_at=None if row is None else row["connected_at"])


AUDITED = frozenset({"connected", "restrictedApiKeySet", "connectedAt"})  # never a secret


def _audited(status: IntegrationStatus) -> dict[str, object]:
    return {k: v for k, v in status.model_dump(mode="json", by_alias=True).items()
            if k in AUDITED}


async def _audit(tx: Transaction, cmd: DisconnectIntegration | ConnectIntegration, action: str,
                 before: IntegrationStatus, after: IntegrationStatus) -> None:
    await tx.audit(org_id=cmd.org_id, actor=cmd.actor, action=action,
                   entity_type="integration", entity_id=cmd.provider.value,
                   before=_audited(before), after=_audited(after), created_at=now_utc())


class Integrations:
    def __init__(self, pool: asyncpg.Pool, public_base_url: str) -> None:
        self.pool, self.public_base_url = pool, public_base_url

    async def get(self, cmd: GetIntegration) -> IntegrationStatus:
        async with self.pool.acquire() as conn:
            row = await IntegrationsRepository(conn).get(cmd.org_id, cmd.provider)
        return status_of(self.public_base_url, cmd, row)

    async def connect(self, cmd: ConnectIntegration) -> IntegrationStatus:
        """Connecting again replaces the secrets (a rotation at the provider)."""
        connection = Connection(new_id(), cmd.org_id, cmd.provider, cmd.org_handle,
                                cmd.webhook_secret, cmd.restricted_api_key, now_utc())
        async with unit_of_work(self.pool) as tx:
            repo = IntegrationsRepository(tx.conn)
            before = status_of(self.public_base_url, cmd, await repo.get(cmd.org_id,
                                                                         cmd.provider))
            await repo.replace(connection, get_key_ring())
            after = status_of(self.public_base_url, cmd, await repo.get(cmd.org_id,
                                                                        cmd.provider))
            await _audit(tx, cmd, "integration.connected", before, after)
        return after

    async def disconnect(self, cmd: DisconnectIntegration) -> IntegrationStatus:
        """Idempotent: disconnecting what is not connected changes nothing (and audits
        nothing)."""
        async with unit_of_work(self.pool) as tx:
            repo = IntegrationsRepository(tx.conn)
            before = status_of(self.public_base_url, cmd, await repo.get(cmd.org_id,
                                                                         cmd.provider))
            if await repo.delete(cmd.org_id, cmd.provider):
                after = status_of(self.public_base_url, cmd, None)
                await _audit(tx, cmd, "integration.disconnected", before, after)
        return status_of(self.public_base_url, cmd, None)

    async def connected(self, cmd: OrgScoped) -> ConnectedProviders:
        async with self.pool.acquire() as conn:
            providers = await IntegrationsRepository(conn).providers_of(cmd.org_id)
        return ConnectedProviders(stripe=Provider.stripe in providers,
                                  paddle=Provider.paddle in providers)
