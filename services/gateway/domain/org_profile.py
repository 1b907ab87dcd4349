"""The org profile's rules: what a PATCH changes, and the payout grace days an org's tier
allows (``plan_limits.py``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from libs.shared.errors import ValidationFailed

GRACE_DAYS_FIELD = "payout_grace_days"


def profile_changes(current: Mapping[str, Any], sent: Mapping[str, Any], *,
                    grace_days_max: int) -> dict[str, Any]:
    """The keys sent whose value differs from the org row's (a repeat changes nothing). A new
    grace-day count above the tier's ceiling is refused; the current count stays acceptable
    (an org whose plan lapsed keeps its days until it changes them), so a form sent back
    whole never fails on it."""
    changes = {k: v for k, v in sent.items() if current[k] != v}
    days = changes.get(GRACE_DAYS_FIELD)
    if days is not None and days > grace_days_max:
        raise ValidationFailed(
            f"payoutGraceDays may be at most {grace_days_max} on the org's current plan",
            field="payoutGraceDays", extra={"payoutGraceDaysMax": grace_days_max})
    return changes

