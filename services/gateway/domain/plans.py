"""Plan tiers and the gate: Trial < Starter < Growth < Pro; a trialing org passes the tier of
its trial; an org without a live subscription is treated as Trial."""

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


@dataclass(frozen=True, slots=True)
class PlanDenied:
    required: Tier
    current: Tier
    trialing: bool


def effective_tier(plan: Tier, status: SubscriptionStatus) -> Tier:
    return plan if status in LIVE_STATUSES else Tier.Trial


def check_plan(required: Tier | None, plan: Tier, status: SubscriptionStatus) -> PlanDenied | None:
    """None when the org may use a resource that needs ``required``; else why not."""
    if required is None:
        return None
    current = effective_tier(plan, status)
    if current.rank >= required.rank:
        return None
    return PlanDenied(required=required, current=current,
                      trialing=status == SubscriptionStatus.Trialing)
