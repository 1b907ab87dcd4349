"""Who may call what: the scope, role, e-mail and plan rules a caller must meet. Pure functions
of the principal and the route's requirements; the views only apply them. The plan rule itself
is ``plans.plan_allows``.

- API keys: the route's scope, then its plan gate. Roles do not apply ("API keys are
  Owner-equivalent and pass"), nor does e-mail verification.
- Brand operators (dashboard JWT): the route's role (403, empty body), then a verified e-mail
  where the route asks for one (403 ``email_not_verified``), then only the plan gates that bind
  the dashboard too (``PlanGate.binds_dashboard``): the dashboard bypasses the others."""

from __future__ import annotations

from libs.shared.errors import RekomiError
from services.gateway.domain.errors import (
    EmailNotVerified,
    Forbidden,
    InsufficientScope,
    PlanTierRequired,
)
from services.gateway.domain.plans import (
    NOTIFY_IMPORTED,
    PLAN_TIER_REQUIRED,
    S2S_TRACKING,
    PlanDenied,
    PlanGate,
    Tier,
    check_plan,
    gate_of,
    plan_allows,
)
from services.gateway.domain.principal import Operator, Principal
from services.gateway.domain.roles import Role, role_allows
from services.gateway.domain.scopes import Scope, satisfies


def require(principal: Principal, *, scope: Scope, plan: PlanGate | Tier | None,
            role: Role | None = None, email_verified: bool = False) -> None:
    """Raise the error of the first requirement the caller misses. ``role`` None: the route
    made no role decision, so no operator may call it (fail closed)."""
    operator = principal.operator
    if operator is None:
        if not satisfies(principal.scope, scope):
            raise InsufficientScope("this API key's scope does not allow this call")
        require_plan(principal, plan)
        return
    require_operator(operator, role, email_verified)
    if plan is not None and gate_of(plan).binds_dashboard:
        require_plan(principal, plan)


def require_operator(operator: Operator, role: Role | None, email_verified: bool) -> None:
    if role is None or not role_allows(operator.role, role):
        raise Forbidden(f"this call needs the {role.name if role else 'no'} role")
    if email_verified and not operator.email_verified:
        raise EmailNotVerified("verify your e-mail address before this call")


def passes_plan(principal: Principal, plan: PlanGate | Tier) -> bool:
    """Whether the caller may use what ``plan`` gates (a flag or a figure rather than the
    route: ``canChange``, the import's notify flag)."""
    if principal.operator is not None and not gate_of(plan).binds_dashboard:
        return True
    return plan_allows(plan, principal.plan, principal.status)


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
    subscription (dashboard callers bypass it, as every gate that does not bind them)."""
    return passes_plan(principal, NOTIFY_IMPORTED)
