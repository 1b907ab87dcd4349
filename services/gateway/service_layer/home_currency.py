"""The org's home currency: what dashboards normalize money to (on read; stored amounts keep
their own currency). A change is audited and announced in the same transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg

from libs.contracts.audit import AuditRecorded
from libs.contracts.common import Actor
from libs.contracts.fx import HOME_CURRENCY_CHANGED, HomeCurrencyChange, HomeCurrencySettings
from libs.shared.ids import new_id
from libs.shared.logging import request_id_var
from libs.shared.money import SUPPORTED_CURRENCIES
from libs.shared.timestamps import wire_timestamp
from libs.shared.uow import Transaction, unit_of_work
from services.gateway.adapters.audit_repository import insert_audit
from services.gateway.adapters.home_currency_repository import home_currency, set_home_currency
from services.gateway.domain.errors import OrgNotFound
from services.gateway.service_layer.org_settings import announce


async def get_home_currency(pool: asyncpg.Pool, org_id: uuid.UUID, *, can_change: bool
                            ) -> HomeCurrencySettings:
    async with pool.acquire() as conn:
        row = await home_currency(conn, org_id)
    if row is None:
        raise OrgNotFound("no such org")
    return HomeCurrencySettings(
        home_currency=row["home_currency"], changed_at=row["home_currency_changed_at"],
        supported_currencies=list(SUPPORTED_CURRENCIES), can_change=can_change)


async def change_home_currency(pool: asyncpg.Pool, org_id: uuid.UUID, currency: str,
                               actor: Actor) -> HomeCurrencyChange:
    """Idempotent: the current value again changes nothing (no audit row, no event)."""
    async with unit_of_work(pool) as tx:
        row = await home_currency(tx.conn, org_id, for_update=True)
        if row is None:
            raise OrgNotFound("no such org")
        before = row["home_currency"]
        if before == currency:
            return HomeCurrencyChange(home_currency=currency, changed=False,
                                      changed_at=row["home_currency_changed_at"])
        now = datetime.now(UTC)
        await set_home_currency(tx.conn, org_id, currency, now)
        await _record(tx, org_id, actor, before, currency, now)
        await announce(tx.conn, org_id)  # the services' copies (org.settings_changed)
    return HomeCurrencyChange(home_currency=currency, changed=True, changed_at=now)


async def _record(tx: Transaction, org_id: uuid.UUID, actor: Actor, before: str, after: str,
                  at: datetime) -> None:
    # The gateway owns the audit log, so its own rows are written directly, in this transaction.
    await insert_audit(tx.conn, AuditRecorded(
        id=new_id(), org_id=org_id, action=HOME_CURRENCY_CHANGED, entity_type="org",
        entity_id=str(org_id), actor=actor, request_id=request_id_var.get(),
        before={"homeCurrency": before}, after={"homeCurrency": after}, created_at=at))
    await tx.emit(HOME_CURRENCY_CHANGED, org_id=org_id, created_at=at,
                  data={"homeCurrency": after, "previousHomeCurrency": before,
                        "changedAt": wire_timestamp(at)})
