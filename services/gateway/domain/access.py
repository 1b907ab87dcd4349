"""Who may call what: the scope, plan and subscription rules an API key's caller must meet.
Pure functions of the principal and the route's requirements; the views only apply them. The
plan rule itself is ``plans.plan_allows``."""

from __future__ import annotations

from libs.shared.errors import RekomiError
from services.gateway.domain.errors import InsufficientScope, PlanTierRequired
from services.gateway.domain.plans import (
    NOTIFY_IMPORTED,
    PLAN_TIER_REQUIRED,
    S2S_TRACKING,
    PlanDenied,
    PlanGate,
    Tier,
    check_plan,
    plan_allows,
)
from services.gateway.domain.principal import Principal
from services.gateway.domain.scopes import Scope, satisfies


def require(principal: Principal, *, scope: Scope, plan: PlanGate | Tier | None) -> None:
    """Raise the envelope error of the first requirement the caller misses."""
    if not satisfies(principal.scope, scope):
        raise InsufficientScope("this API key's scope does not allow this call")
    require_plan(principal, plan)


def require_plan(principal: Principal, plan: PlanGate | Tier | None) -> None:
    denied = check_plan(plan, principal.plan, principal.status)
    if denied is not None:
        raise plan_error(denied)


def require_s2s(principal: Principal) -> None:
    """S2S tracking: Starter+, any trialing org, a 402 without a subscription."""
    require_plan(principal, S2S_TRACKING)


def plan_error(denied: PlanDenied) -> RekomiError:
    """The 402 of a missed gate: ``plan_tier_required`` or ``paid_plan_required``, with the
    fields of ``PlanDenied.body``."""
    message = f"this endpoint needs {denied.gate.needs}"
    if denied.gate.code == PLAN_TIER_REQUIRED:
        return PlanTierRequired(message, extra=denied.body())
    return RekomiError(message, code=denied.gate.code, extra=denied.body())


def may_notify_imported(principal: Principal) -> bool:
    """``notifyAffiliates`` on a roster import needs Growth+ with an active (or trialing)
    subscription."""
    return plan_allows(NOTIFY_IMPORTED, principal.plan, principal.status)
