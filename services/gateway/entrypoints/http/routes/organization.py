"""The calling org's profile and billing state: the gateway owns orgs, so both are answered
here; the billing state's usage counts are asked of their owners. Read-only over API keys
(the profile's and billing's writes are dashboard-only) and open to every plan, Trial
included (ENDPOINTS.md rows 50-51)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from libs.contracts.billing import BillingState
from libs.contracts.common import Actor
from libs.contracts.orgs import OrgProfile, OrgProfilePatch
from libs.shared.clock import now_utc
from services.gateway.domain.roles import Auth, Role
from services.gateway.entrypoints.http.keys import BUS, POOL, PRINCIPAL
from services.gateway.entrypoints.http.route_table import Route
from services.gateway.service_layer.billing_state import billing_state
from services.gateway.service_layer.org_profile import org_profile, update_profile

PROFILE_NOTE = (
    "The calling org's profile. `slug` is the org's handle; `payoutGraceDaysMax` is the most "
    "grace days its current tier allows (a lapsed subscription counts as Trial). Any plan may "
    "read it; writes are dashboard-only (Owner).")
PATCH_NOTE = (
    "Dashboard only (an Owner's sign-in token; API keys get 403 with an empty body, lower "
    "roles too). Only the keys sent change: `name` (1-200 characters), `billingEmail` (an "
    "e-mail address; null clears), `timezone` (an IANA name), `primaryBrandColor` "
    "(`#RRGGBB`, stored upper-case; null clears), `description` (up to 2,000 characters; "
    "null clears), `payoutGraceDays` (0 to the tier's `payoutGraceDaysMax`; a new value "
    "above it is 400 `validation_failed`, field `payoutGraceDays`, with "
    "`payoutGraceDaysMax`). Anything else is 400 `validation_failed` naming the field. "
    "A change is audit-logged as `org.profile_changed` (the changed keys before and after); "
    "the current values again change nothing. Answers the profile as `GET` does.")
BILLING_NOTE = (
    "Plan, subscription, Stripe linkage and a plan-limits snapshot (`max` null: unlimited). "
    "`limits` are those of the tier in force (a lapsed subscription counts as Trial). "
    "`partnerPayoutsThisMonthCents` adds the payouts paid since the start of the UTC month, in "
    "the home currency's minor units; payouts in other currencies are converted at the rate of "
    "the day paid, and left out while no rate is loaded. `teamSeats.current` is 1 (the "
    "owner) until dashboard users exist. Call it before recommending an install path: "
    "`stripeConnectLinked` true means checkout webhooks reach Rekomi (Stripe is connected "
    "with `PUT /api/v1/integrations/stripe`, or a Stripe Connect account is on file); false "
    "means coupon codes, the browser pixel or S2S.")


async def _profile(request: web.Request, _payload: dict[str, Any]) -> OrgProfile:
    return await org_profile(request.app[POOL], request[PRINCIPAL].org_id)


async def _patch(request: web.Request, payload: dict[str, Any]) -> OrgProfile:
    return await update_profile(request.app[POOL], request[PRINCIPAL].org_id,
                                OrgProfilePatch.model_validate(payload["data"]),
                                Actor.model_validate(payload["actor"]))


async def _billing(request: web.Request, _payload: dict[str, Any]) -> BillingState:
    return await billing_state(request.app[POOL], request.app[BUS], request[PRINCIPAL].org_id,
                               now_utc())


ORGANIZATION_ROUTES: list[Route] = [
    Route("GET", "/api/organizations/me", None, "Get the organization profile", "Organization",
          role=Role.Viewer,
          response=OrgProfile, local=_profile, operation="organizations.me",
          description=PROFILE_NOTE),
    Route("PATCH", "/api/organizations/me", None, "Update the organization profile",
          "Organization", auth=Auth.JWT_ONLY, role=Role.Owner, body=OrgProfilePatch,
          response=OrgProfile, local=_patch, audited=True, operation="organizations.update_me",
          description=PATCH_NOTE),
    Route("GET", "/api/billing/state", None, "Get the billing state", "Billing",
          role=Role.Viewer,
          response=BillingState, local=_billing, operation="billing.state",
          description=BILLING_NOTE),
]
