"""Who may call what: the scope, plan and subscription rules an API key's caller must meet.
Pure functions of the principal and the route's requirements; the views only apply them."""

from __future__ import annotations

from libs.shared.errors import RekomiError
from services.gateway.domain.errors import InsufficientScope, PlanTierRequired
from services.gateway.domain.plans import PlanDenied, SubscriptionStatus, Tier, check_plan
from services.gateway.domain.principal import Principal
from services.gateway.domain.scopes import Scope, satisfies

NOTIFY_STATUSES = frozenset({SubscriptionStatus.Active, SubscriptionStatus.Trialing})


def require(principal: Principal, *, scope: Scope, plan: Tier | None,
            active_paid_plan: bool = False) -> None:
    """Raise the envelope error of the first requirement the caller misses."""
    if not satisfies(principal.scope, scope):
        raise InsufficientScope("this API key's scope does not allow this call")
    denied = check_plan(plan, principal.plan, principal.status)
    if denied is not None:
        raise tier_required(denied, f"this endpoint needs the {denied.required} plan or higher")
    if active_paid_plan and not has_active_paid_plan(principal):
        raise RekomiError(
            "this endpoint needs a paid plan (Starter or higher) with an Active subscription",
            code="paid_plan_required",
            extra={"required": Tier.Starter.value, "current": principal.plan.value,
                   "subscriptionStatus": principal.status.value})


def has_active_paid_plan(principal: Principal) -> bool:
    return (principal.status == SubscriptionStatus.Active
            and principal.plan.rank >= Tier.Starter.rank)


def require_s2s(principal: Principal) -> None:
    """S2S tracking: Starter+, but a trialing org passes whatever its tier; no subscription is
    a 402."""
    if principal.status == SubscriptionStatus.Trialing:
        return
    denied = check_plan(Tier.Starter, principal.plan, principal.status)
    if denied is not None:
        raise tier_required(denied, "S2S tracking needs the Starter plan or higher, or a trial",
                            subscriptionStatus=principal.status.value)


def tier_required(denied: PlanDenied, message: str, **more: object) -> PlanTierRequired:
    """The 402 of a missed tier: what is required, what the org has, whether it trials."""
    return PlanTierRequired(message, extra={
        "required": denied.required.value, "current": denied.current.value,
        "trialing": denied.trialing, **more})


def may_notify_imported(principal: Principal) -> bool:
    """``notifyAffiliates`` on a roster import needs Growth+ with an active (or trialing)
    subscription."""
    return (principal.status in NOTIFY_STATUSES
            and check_plan(Tier.Growth, principal.plan, principal.status) is None)
