"""Every plan gate against the reference, as one table: each authenticated endpoint, called by
orgs on every tier and subscription status, is refused with 402 or let through exactly as the
reference's rule for that endpoint says, and every 402 body follows the one rule for
``required`` / ``current`` / ``trialing`` (services/gateway/domain/plans.py).

The expectations are written here from the reference, not read from the gateway's code:
ENDPOINTS.md's plan column ("a trialing org passes the tier of its trial"), the S2S section
("Trialing orgs are always accepted ... SubscriptionStatus = None return 402"), the
sub-affiliate config's failure table ("Org below Pro and not trialing") and bulk invites
("Starter+ with SubscriptionStatus = Active", 402 ``paid_plan_required``) and embed tokens
(Growth+; the dashboard's side of that gate: tests/e2e/test_embed_tokens.py). PastDue keeps
its tier (README, a decision where the reference is silent) except where Active is required.

A call that passes the gate goes nowhere: ids are random (404) and bodies invalid (400), so
only the gate can answer 402."""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from libs.shared import jsonutil
from services.gateway.entrypoints.http.routes import ROUTES
from tests.common.api import ENVELOPE_KEYS
from tests.common.orgs import Org, new_org
from tests.common.s2s import signed_headers


@dataclass(frozen=True)
class Rule:
    name: str
    code: str = "plan_tier_required"
    required: str = "Starter"
    names_status: bool = False  # the 402 also carries subscriptionStatus


RULES = (Rule("STARTER"), Rule("PRO", required="Pro"), Rule("PRO_OR_TRIAL", required="Pro"),
         Rule("S2S", names_status=True),
         Rule("ACTIVE_PAID", code="paid_plan_required", names_status=True), Rule("ANY"),
         Rule("GROWTH", required="Growth"))

# (plan, status): the tier a 402 reports as ``current``, then 1 (passes) or 0 (402) under
# each rule, in the order of RULES.
#                                    STARTER PRO PRO_OR_TRIAL S2S ACTIVE_PAID ANY GROWTH
MATRIX: dict[tuple[str, str], tuple[str, int, int, int, int, int, int, int]] = {
    ("Trial", "Active"):     ("Trial",   0, 0, 0, 0, 0, 1, 0),
    ("Starter", "Active"):   ("Starter", 1, 0, 0, 1, 1, 1, 0),
    ("Growth", "Active"):    ("Growth",  1, 0, 0, 1, 1, 1, 1),
    ("Pro", "Active"):       ("Pro",     1, 1, 1, 1, 1, 1, 1),
    ("Trial", "Trialing"):   ("Trial",   0, 0, 1, 1, 0, 1, 0),
    ("Starter", "Trialing"): ("Starter", 1, 0, 1, 1, 0, 1, 0),
    ("Growth", "Trialing"):  ("Growth",  1, 0, 1, 1, 0, 1, 1),
    ("Pro", "Trialing"):     ("Pro",     1, 1, 1, 1, 0, 1, 1),
    ("Starter", "PastDue"):  ("Starter", 1, 0, 0, 1, 0, 1, 0),
    ("Pro", "PastDue"):      ("Pro",     1, 1, 1, 1, 0, 1, 1),
    ("Starter", "None"):     ("Trial",   0, 0, 0, 0, 0, 1, 0),
    ("Pro", "None"):         ("Trial",   0, 0, 0, 0, 0, 1, 0),
    ("Pro", "Canceled"):     ("Trial",   0, 0, 0, 0, 0, 1, 0),
}
TIERS = ("Trial", "Starter", "Growth", "Pro")

# Every authenticated endpoint and its rule (ENDPOINTS.md row, or the family it belongs to).
ENDPOINTS = """
GET    /api/v1/programs                                STARTER       1
GET    /api/v1/programs/{id}                           STARTER       2
POST   /api/v1/programs                                STARTER       3
PATCH  /api/v1/programs/{id}                           STARTER       4
DELETE /api/v1/programs/{id}                           STARTER       5
GET    /api/v1/affiliates                              STARTER       6
GET    /api/v1/affiliates/{id}                         STARTER       7
GET    /api/v1/affiliates/applications                 STARTER       8
GET    /api/v1/affiliates/{id}/tax-form                STARTER       9
POST   /api/v1/affiliates                              STARTER       10
PATCH  /api/v1/affiliates/{id}                         STARTER       11
POST   /api/v1/affiliates/{id}/approve                 STARTER       12
POST   /api/v1/affiliates/{id}/reject                  STARTER       13
POST   /api/v1/affiliates/bulk-action                  STARTER       14
GET    /api/v1/affiliates/{id}/sub-affiliates          STARTER       15
POST   /api/v1/affiliates/import                       STARTER       16
POST   /api/v1/affiliates/{id}/coupon-codes            STARTER       affiliates family
GET    /api/v1/affiliates/{id}/coupon-codes            STARTER       affiliates family
DELETE /api/v1/affiliates/{id}/coupon-codes/{code}     STARTER       affiliates family
GET    /api/v1/conversions                             STARTER       17
GET    /api/v1/conversions/{id}                        STARTER       18
GET    /api/v1/conversions/export.csv                  STARTER       19
POST   /api/v1/conversions/import/preview              STARTER       20
POST   /api/v1/conversions/import                      STARTER       21
GET    /api/v1/payouts                                 STARTER       22
GET    /api/v1/payouts/{id}                            STARTER       23
POST   /api/v1/payouts/preview                         STARTER       24
POST   /api/v1/payouts/run                             STARTER       25
POST   /api/v1/payouts/{id}/retry                      STARTER       26
POST   /api/v1/payouts/{id}/cancel                     STARTER       payouts family
GET    /api/v1/audit-log                               PRO           27
GET    /api/v1/audit-log/export.csv                    PRO           28
GET    /api/v1/dashboard/summary                       STARTER       29
GET    /api/v1/dashboard/timeseries                    STARTER       30
GET    /api/v1/dashboard/leaderboard                   STARTER       31
GET    /api/v1/dashboard/traffic-sources               STARTER       32
GET    /api/v1/dashboard/export.csv                    STARTER       33
GET    /api/v1/dashboard/insights/{module}             STARTER       34
GET    /api/metrics/insights/{module}                  STARTER       34 (alias)
POST   /api/v1/embed/tokens                            GROWTH        36 (JWT too)
POST   /api/v1/embed/tokens/{id}/revoke                GROWTH        37
POST   /api/tracking/s2s                               S2S           39
POST   /api/tracking/lead                              S2S           40
PUT    /api/v1/integrations/stripe                     S2S           Rekomi's, issue 23
GET    /api/v1/integrations/stripe                     S2S           Rekomi's, issue 23
DELETE /api/v1/integrations/stripe                     S2S           Rekomi's, issue 23
PUT    /api/v1/integrations/paddle                     S2S           Rekomi's, issue 23
GET    /api/v1/integrations/paddle                     S2S           Rekomi's, issue 23
DELETE /api/v1/integrations/paddle                     S2S           Rekomi's, issue 23
GET    /api/v1/settings/home-currency                  STARTER       44
PUT    /api/v1/settings/home-currency                  PRO           45
GET    /api/v1/programs/{id}/sub-affiliate-config      STARTER       46
PUT    /api/v1/programs/{id}/sub-affiliate-config      PRO_OR_TRIAL  47
GET    /api/organizations/me                           ANY           50
GET    /api/billing/state                              ANY           51
POST   /api/affiliate-invites                          ANY           52
POST   /api/affiliate-invites/bulk                     ACTIVE_PAID   53
GET    /api/v1/r/install-snippet                       STARTER       59
GET    /api/v1/settings/attribution-params             STARTER       62
PATCH  /api/v1/settings/attribution-params             STARTER       63
GET    /api/v1/settings/tracking                       STARTER       tracking family
PATCH  /api/v1/settings/tracking                       STARTER       tracking family
GET    /api/v1/webhooks                                STARTER       66
POST   /api/v1/webhooks                                STARTER       66
GET    /api/v1/webhooks/{id}                           STARTER       66
PATCH  /api/v1/webhooks/{id}                           STARTER       66
DELETE /api/v1/webhooks/{id}                           STARTER       66
POST   /api/v1/webhooks/{id}/rotate-secret             STARTER       66
POST   /api/v1/webhooks/{id}/test                      STARTER       66
GET    /api/v1/webhooks/{id}/deliveries                STARTER       66
POST   /api/v1/webhooks/deliveries/{id}/resend         STARTER       66
"""
_BY_NAME = {rule.name: rule for rule in RULES}
TABLE: dict[tuple[str, str], Rule] = {
    (method, path): _BY_NAME[rule]
    for method, path, rule, *_ in (line.split() for line in ENDPOINTS.strip().splitlines())}
SIGNED = {"/api/tracking/s2s", "/api/tracking/lead"}
# What a call that passed the gate may answer: a read, or the 400 / 404 of what follows it
# (204: disconnecting a provider that was never connected).
PASSED = frozenset({200, 204, 400, 404})


def test_the_table_covers_every_authenticated_route() -> None:
    # Routes that take API keys: the affiliate portal's have no org and so no plan; the
    # dashboard-only ones (invite lifecycle, profile writes) gate no plan for operators.
    routes = {(r.method, r.path) for r in ROUTES if not r.public and r.auth.takes_api_key}
    assert set(TABLE) == routes, (set(TABLE) ^ routes)


@pytest.fixture(scope="module")
async def orgs() -> dict[tuple[str, str], Org]:
    made = await asyncio.gather(*(new_org(plan, status) for plan, status in MATRIX))
    return dict(zip(MATRIX, made, strict=True))


async def _call(http: aiohttp.ClientSession, org: Org, method: str, path: str
                ) -> tuple[int, dict[str, Any] | None]:
    url = re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), path)
    raw = jsonutil.dumps({"nonsense": True})
    headers = (signed_headers(org, raw) if path in SIGNED
               else {**org.auth, "Content-Type": "application/json"})
    data = None if method == "GET" else raw
    async with http.request(method, url, data=data, headers=headers) as response:
        body = (await response.json(content_type=None)
                if response.content_type == "application/json" else None)
        return response.status, body


@pytest.mark.parametrize(("method", "path"), list(TABLE), ids=[f"{m} {p}" for m, p in TABLE])
async def test_gate(http: aiohttp.ClientSession, orgs: dict[tuple[str, str], Org],
                    method: str, path: str) -> None:
    rule = TABLE[(method, path)]
    column = RULES.index(rule) + 1  # MATRIX rows: current, then one outcome per rule

    async def one(key: tuple[str, str]) -> None:
        status = key[1]
        current, passes = MATRIX[key][0], MATRIX[key][column]
        answered, body = await _call(http, orgs[key], method, path)
        if passes:
            assert answered in PASSED, (key, answered, body)
            return
        assert answered == 402 and body is not None, (key, answered, body)
        extra = {"required", "current", "trialing"} | (
            {"subscriptionStatus"} if rule.names_status else set())
        assert set(body) == ENVELOPE_KEYS | extra, (key, body)
        assert (body["error"], body["field"]) == (rule.code, None), (key, body)
        assert isinstance(body["message"], str) and body["message"], (key, body)
        assert (body["required"], body["current"], body["trialing"]) == (
            rule.required, current, status == "Trialing"), (key, body)
        if rule.names_status:
            assert body["subscriptionStatus"] == status, (key, body)
        if rule.code == "plan_tier_required":  # a tier miss: what the org has is below
            assert TIERS.index(body["current"]) < TIERS.index(body["required"]), (key, body)

    await asyncio.gather(*(one(key) for key in MATRIX))
