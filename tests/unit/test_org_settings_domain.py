"""Which events of a burst the ledger's copy of org settings keeps."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from libs.contracts.orgs import OrgSettings
from services.ledger.org_settings.domain.model import latest_per_org

T0 = datetime(2026, 5, 1, tzinfo=UTC)


def event(org_id: uuid.UUID, currency: str, minutes: int) -> OrgSettings:
    return OrgSettings(org_id=org_id, home_currency=currency, payout_grace_days=30,
                       plan_tier="Pro", subscription_status="Active",
                       changed_at=T0 + timedelta(minutes=minutes))


def test_latest_per_org_in_lock_order() -> None:
    low, high = uuid.UUID(int=1), uuid.UUID(int=2)
    kept = latest_per_org([event(high, "USD", 0), event(low, "EUR", 5), event(high, "JPY", 9),
                           event(low, "GBP", 1), event(high, "CHF", 9)])
    assert [(e.org_id, e.home_currency) for e in kept] == [(low, "EUR"), (high, "JPY")]


def test_unknown_keys_are_ignored_so_the_gateway_can_announce_more() -> None:
    body = event(uuid.uuid4(), "EUR", 0).model_dump(mode="json", by_alias=True)
    assert OrgSettings.model_validate({**body, "attributionParams": ["via"]}).home_currency == "EUR"
