"""SQL for orgs, and the API-key lookup of the hot path (the keys' own rows:
api_keys_repository.py). Changes to either NOTIFY every gateway replica, which drops its
cached principals at once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg

from libs.shared.db import Conn
from libs.shared.secret_box import get_key_ring
from services.gateway.adapters import sealed_secrets
from services.gateway.domain.plans import SubscriptionStatus, Tier
from services.gateway.domain.principal import Principal
from services.gateway.domain.scopes import Scope
from services.gateway.domain.signing_secrets import SigningSecrets

KEYS_CHANGED_CHANNEL = "rekomi_gateway_keys"
# ``updated_at`` is the version other services' copies of an org compare (org.settings_changed):
# changes of one row are serialised by its lock, and this moves it strictly forward even when
# two land in the same microsecond or a later transaction started earlier (``now()`` would not).
BUMP_UPDATED_AT = "updated_at = greatest(clock_timestamp(), updated_at + interval '1 microsecond')"
_SETTINGS = ("SELECT id, home_currency, payout_grace_days, plan, subscription_status, updated_at "
             "FROM orgs")
_PROFILE = (
    "SELECT id, name, handle, billing_email, timezone, primary_brand_color, logo_url, "
    "description, white_label_enabled, plan, subscription_status, trial_ends_at, "
    "payout_grace_days, home_currency, billing_interval, stripe_subscription_id, "
    "stripe_customer_id IS NOT NULL AS stripe_customer_linked, "
    "stripe_connect_account_id IS NOT NULL AS stripe_connect_linked FROM orgs WHERE id = $1")


# The profile's writable columns (OrgProfilePatch's field names): the only names that ever
# reach set_profile's SQL.
PROFILE_COLUMNS = ("name", "billing_email", "timezone", "primary_brand_color", "description",
                   "payout_grace_days")


@dataclass(frozen=True, slots=True)
class NewOrg:
    id: uuid.UUID
    name: str
    handle: str
    plan: Tier
    status: SubscriptionStatus
    home_currency: str
    signing_secret: str


class OrgsRepository:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def add_org(self, org: NewOrg) -> bool:
        """False when the handle is taken. The signing secret is stored sealed."""
        secret, _ = sealed_secrets.sealed(get_key_ring(), org.id,
                                          SigningSecrets(org.signing_secret))
        inserted = await self.conn.fetchval(
            "INSERT INTO orgs (id, name, handle, plan, subscription_status, home_currency, "
            "signing_secret) VALUES ($1, $2, $3, $4, $5, $6, $7) "
            "ON CONFLICT (handle) DO NOTHING RETURNING true",
            org.id, org.name, org.handle, org.plan.value, org.status.value, org.home_currency,
            secret)
        return bool(inserted)

    async def org_by_handle(self, handle: str) -> asyncpg.Record | None:
        return await self.conn.fetchrow("SELECT * FROM orgs WHERE handle = $1", handle)

    async def org(self, org_id: uuid.UUID) -> asyncpg.Record | None:
        return await self.conn.fetchrow("SELECT * FROM orgs WHERE id = $1", org_id)

    async def signing_secrets(self, org_id: uuid.UUID, *, for_update: bool = False
                              ) -> SigningSecrets | None:
        """The org's S2S signing secrets in clear (opened here, the one place that does);
        locked when the caller will rotate them."""
        row = await self.conn.fetchrow(
            "SELECT id, signing_secret, previous_signing_secret, "
            "previous_signing_secret_expires_at FROM orgs WHERE id = $1"
            + (" FOR UPDATE" if for_update else ""), org_id)
        return None if row is None else sealed_secrets.opened(get_key_ring(), row)

    async def set_signing_secrets(self, org_id: uuid.UUID, secrets: SigningSecrets) -> None:
        """Stored sealed; every replica drops its cached copy (NOTIFY)."""
        current, previous = sealed_secrets.sealed(get_key_ring(), org_id, secrets)
        await self.conn.execute(
            "UPDATE orgs SET signing_secret = $2, previous_signing_secret = $3, "
            "previous_signing_secret_expires_at = $4 WHERE id = $1", org_id, current, previous,
            secrets.previous_expires_at)
        await self._notify()

    async def profile(self, org_id: uuid.UUID, *, for_update: bool = False
                      ) -> asyncpg.Record | None:
        """What the org profile and the billing state report (never the signing secret);
        locked when the caller will change it."""
        return await self.conn.fetchrow(_PROFILE + (" FOR UPDATE" if for_update else ""),
                                        org_id)

    async def set_profile(self, org_id: uuid.UUID, changes: dict[str, Any]) -> None:
        """``changes``: profile columns (``PROFILE_COLUMNS``) to their new values."""
        columns = [c for c in PROFILE_COLUMNS if c in changes]
        assignments = ", ".join(f"{c} = ${i}" for i, c in enumerate(columns, start=2))
        await self.conn.execute(
            f"UPDATE orgs SET {assignments}, {BUMP_UPDATED_AT} WHERE id = $1", org_id,
            *(changes[c] for c in columns))
        await self._notify()  # replicas cache org rows: names, grace days (S2S) change here

    async def settings(self, org_id: uuid.UUID) -> asyncpg.Record | None:
        """What ``org.settings_changed`` announces (``updated_at`` is its version)."""
        return await self.conn.fetchrow(f"{_SETTINGS} WHERE id = $1", org_id)

    async def settings_page(self, after: uuid.UUID | None, limit: int) -> list[asyncpg.Record]:
        """Every org's settings in id order, ``limit`` rows after ``after``."""
        return list(await self.conn.fetch(
            f"{_SETTINGS} WHERE $1::uuid IS NULL OR id > $1 ORDER BY id LIMIT $2", after, limit))

    async def set_plan(self, org_id: uuid.UUID, plan: Tier, status: SubscriptionStatus) -> bool:
        done = await self.conn.fetchval(
            f"UPDATE orgs SET plan = $2, subscription_status = $3, {BUMP_UPDATED_AT} "
            "WHERE id = $1 RETURNING true", org_id, plan.value, status.value)
        await self._notify()
        return bool(done)

    async def principal(self, key_hash: bytes) -> Principal | None:
        row = await self.conn.fetchrow(
            "SELECT k.id, k.org_id, k.scope, o.plan, o.subscription_status FROM api_keys k "
            "JOIN orgs o ON o.id = k.org_id WHERE k.key_hash = $1 AND k.revoked_at IS NULL",
            key_hash)
        if row is None:
            return None
        return Principal(key_id=row["id"], org_id=row["org_id"], scope=Scope(row["scope"]),
                         plan=Tier(row["plan"]),
                         status=SubscriptionStatus(row["subscription_status"]))

    async def _notify(self) -> None:
        await notify_keys_changed(self.conn)


async def notify_keys_changed(conn: Conn) -> None:
    """Every gateway replica empties its principal cache (adapters/principal_cache.py)."""
    await conn.execute("SELECT pg_notify($1, '')", KEYS_CHANGED_CHANNEL)
