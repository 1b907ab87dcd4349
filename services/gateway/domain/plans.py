"""Plan tiers and the one plan gate every endpoint uses (routes, S2S, bulk invites, the
roster import's notify flag, the home currency's ``canChange``).

Trial < Starter < Growth < Pro. An org holds its plan's tier while its subscription is live
(Trialing, Active, PastDue) and Trial otherwise (None, Canceled): that is its *effective
tier*. A gate (``PlanGate``) names the lowest tier an endpoint needs and how a trial and the
subscription status count there, as the reference states per endpoint:

- by default a trialing org passes the tier of its trial (ENDPOINTS.md), so a trialing
  Starter org is refused a Pro endpoint (PUT home-currency: "caller is on Starter or Growth");
- ``trial_any_tier``: a trialing org passes whatever its tier (S2S tracking: "Trialing orgs are
  always accepted"; PUT sub-affiliate-config: 402 only for "below Pro and not trialing");
- ``statuses`` narrows the statuses that pass (bulk invites: "Starter+ with SubscriptionStatus =
  Active", so Trialing and PastDue are refused too, with 402 ``paid_plan_required``);
- ``binds_dashboard``: the gate holds for dashboard (JWT) callers too, who otherwise bypass
  plan gates (``access.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Tier(StrEnum):
    Trial = "Trial"
    Starter = "Starter"
    Growth = "Growth"
    Pro = "Pro"

    @property
    def rank(self) -> int:
        return _RANKS[self]


# Looked up twice per S2S call: listing the enum each time cost more than the rest of the gate.
_RANKS = {tier: rank for rank, tier in enumerate(Tier)}


class SubscriptionStatus(StrEnum):
    None_ = "None"
    Trialing = "Trialing"
    Active = "Active"
    PastDue = "PastDue"
    Canceled = "Canceled"


# PastDue keeps access while the card is retried (dunning), as Stripe-billed products do.
LIVE_STATUSES = frozenset({SubscriptionStatus.Trialing, SubscriptionStatus.Active,
                           SubscriptionStatus.PastDue})
PLAN_TIER_REQUIRED = "plan_tier_required"
PAID_PLAN_REQUIRED = "paid_plan_required"


@dataclass(frozen=True, slots=True)
class PlanGate:
    """What an endpoint asks of the org's plan (see the module docstring)."""
    tier: Tier
    trial_any_tier: bool = False
    # Statuses under which the tier counts at all; a subset of LIVE_STATUSES.
    statuses: frozenset[SubscriptionStatus] = LIVE_STATUSES
    code: str = PLAN_TIER_REQUIRED
    # The 402 also names ``subscriptionStatus``, where the reference states the gate in terms
    # of it (S2S: "SubscriptionStatus = None return 402"; bulk invites: "= Active").
    names_status: bool = False
    # Brand operators signed in to the dashboard (JWT) bypass plan gates ("the in-app
    # dashboard bypasses plan gates"), except gates that say they bind them too: embed (a
    # white-label feature, "applies to both JWT and API-key auth") and bulk invites (Active).
    binds_dashboard: bool = False

    @property
    def needs(self) -> str:
        """The requirement in words, for the 402's message."""
        words = f"the {self.tier} plan or higher"
        if self.statuses != LIVE_STATUSES:
            words += " with an " + " or ".join(sorted(self.statuses)) + " subscription"
        return words + (", or a trial" if self.trial_any_tier else "")


# The gates whose trial or status rule is not the default (routes name the rest by their tier).
S2S_TRACKING = PlanGate(Tier.Starter, trial_any_tier=True, names_status=True)
PRO_OR_TRIAL = PlanGate(Tier.Pro, trial_any_tier=True)
ACTIVE_PAID_PLAN = PlanGate(Tier.Starter, statuses=frozenset({SubscriptionStatus.Active}),
                            code=PAID_PLAN_REQUIRED, names_status=True, binds_dashboard=True)
# Embed (tokens, the embedded dashboard): Growth+ for API keys and dashboard users alike.
WHITE_LABEL = PlanGate(Tier.Growth, binds_dashboard=True)
# The roster import's ``notifyAffiliates``: "Growth+ with an active subscription", read as a
# subscription in force (Active, or Trialing on a Growth+ trial); not a 402, the flag is only
# not honoured.
NOTIFY_IMPORTED = PlanGate(Tier.Growth, statuses=frozenset({SubscriptionStatus.Active,
                                                            SubscriptionStatus.Trialing}))


@dataclass(frozen=True, slots=True)
class PlanDenied:
    gate: PlanGate
    current: Tier
    trialing: bool
    status: SubscriptionStatus

    @property
    def required(self) -> Tier:
        return self.gate.tier

    def body(self) -> dict[str, object]:
        """The 402's fields beside the envelope, the same for every gate: ``required`` is the
        lowest tier the endpoint needs; ``current`` the org's effective tier (its plan while
        the subscription is live, else Trial; so a Starter org without a subscription reads
        Trial, as its billing limits do); ``trialing`` whether the subscription is Trialing;
        and ``subscriptionStatus`` where the gate names it."""
        fields: dict[str, object] = {"required": self.required.value,
                                     "current": self.current.value, "trialing": self.trialing}
        if self.gate.names_status:
            fields["subscriptionStatus"] = self.status.value
        return fields


def effective_tier(plan: Tier, status: SubscriptionStatus) -> Tier:
    return plan if status in LIVE_STATUSES else Tier.Trial


def gate_of(required: PlanGate | Tier) -> PlanGate:
    """A bare tier is the default gate of that tier."""
    return required if isinstance(required, PlanGate) else PlanGate(required)


def plan_allows(required: PlanGate | Tier, plan: Tier, status: SubscriptionStatus) -> bool:
    """The one rule: whether an org on ``plan`` with ``status`` passes ``required``."""
    gate = gate_of(required)
    if gate.trial_any_tier and status == SubscriptionStatus.Trialing:
        return True
    return status in gate.statuses and effective_tier(plan, status).rank >= gate.tier.rank


def check_plan(required: PlanGate | Tier | None, plan: Tier, status: SubscriptionStatus
               ) -> PlanDenied | None:
    """None when the org may use a resource that needs ``required``; else why not."""
    if required is None or plan_allows(required, plan, status):
        return None
    return PlanDenied(gate=gate_of(required), current=effective_tier(plan, status),
                      trialing=status == SubscriptionStatus.Trialing, status=status)
