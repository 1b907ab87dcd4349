"""Each route's sign-in decisions against the inventory (docs/spec/ENDPOINTS.md, a copy of the
shared spec) and the reference: the "Role (JWT)" column is the role a dashboard operator needs,
"jwt" rows take no API key, "(JWT too)" / "Active" plan gates bind the dashboard as well, and
the reference's "Email verification: required" endpoints ask operators for a verified e-mail.

Every route that admits dashboard operators must decide a role: a new route without one fails
here, before any request is made."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.gateway.domain.plans import Tier, gate_of
from services.gateway.domain.roles import Auth, Role
from services.gateway.entrypoints.http.route_table import Route
from services.gateway.entrypoints.http.routes import ROUTES
from tests.unit.test_endpoint_inventory import endpoints_in, shape

INVENTORY = Path(__file__).resolve().parents[2] / "docs" / "spec" / "ENDPOINTS.md"
BY_SHAPE = {shape(f"{r.method} {r.path}"): r for r in ROUTES}
# "Email verification: required" in the reference (UserIdentity.cs for JWT callers).
EMAIL_VERIFIED = frozenset({
    "PUT /api/v1/programs/{id}/sub-affiliate-config", "PUT /api/v1/settings/home-currency",
    "POST /api/affiliate-invites", "POST /api/affiliate-invites/bulk",
    "PATCH /api/v1/settings/attribution-params"})

# The inventory's "Added by Rekomi" rows have no role column: the roles decided for them, as
# the affiliates they belong to have theirs (reads Viewer's, writes Manager's).
ADDED_BY_REKOMI = {
    "POST /api/v1/affiliates/{id}/coupon-codes": Role.Manager,
    "GET /api/v1/affiliates/{id}/coupon-codes": Role.Viewer,
    "DELETE /api/v1/affiliates/{id}/coupon-codes/{code}": Role.Manager,
    # Issue 23: "(Owner, read_write)"; the status too, as it is the Owner's setting.
    **{f"{method} /api/v1/integrations/{provider}": Role.Owner
       for method in ("PUT", "GET", "DELETE") for provider in ("stripe", "paddle")},
}
# The providers' own webhook endpoints: public, signed with the connected secret instead.
PROVIDER_ENDPOINTS = ("POST /api/integrations/stripe/{orgHandle}",
                      "POST /api/integrations/paddle/{orgHandle}")


def inventory_rows() -> list[dict[str, str]]:
    rows = []
    for line in INVENTORY.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0].isdigit() and len(cells) == 7:
            rows.append(dict(zip(("n", "endpoint", "auth", "plan", "role", "owner", "notes"),
                                 cells, strict=False)))
    return rows


ROWS = [(row, endpoint) for row in inventory_rows() for endpoint in endpoints_in(row["endpoint"])
        if shape(endpoint) in BY_SHAPE]


def test_the_inventory_names_routed_rows_with_roles() -> None:
    assert len(ROWS) >= 55
    assert sum(1 for row, _ in ROWS if row["role"]) >= 20


@pytest.mark.parametrize("route", [r for r in ROUTES if not r.public and r.auth.takes_operator],
                         ids=lambda r: f"{r.method} {r.path}")
def test_every_route_that_admits_operators_decides_a_role(route: Route) -> None:
    assert route.role is not None, (
        f"{route.method} {route.path} admits dashboard operators (auth {route.auth}) but "
        "decides no role: add role=Role.Viewer | Role.Manager | Role.Owner")


@pytest.mark.parametrize(("row", "endpoint"), ROWS, ids=lambda x: x if isinstance(x, str) else "")
def test_routes_follow_the_inventory(row: dict[str, str], endpoint: str) -> None:
    route = BY_SHAPE[shape(endpoint)]
    if row["auth"] == "anon":
        assert route.public
        return
    if row["role"]:
        assert route.role is Role[row["role"]], (endpoint, row["role"])
    if row["auth"].startswith("jwt"):
        wanted = Auth.AFFILIATE_JWT if "affiliate" in row["auth"] else Auth.JWT_ONLY
        assert route.auth is wanted, endpoint
    elif row["auth"] in ("read", "rw"):
        assert route.auth is Auth.KEY_OR_JWT, endpoint
    elif row["auth"] == "hmac":
        assert route.auth is Auth.API_KEY_ONLY, endpoint
    binds = "JWT too" in row["plan"] or "Active" in row["plan"]
    assert (route.plan is not None and gate_of(route.plan).binds_dashboard) == binds, endpoint
    assert route.email_verified == (endpoint in EMAIL_VERIFIED), endpoint


@pytest.mark.parametrize(("endpoint", "role"), list(ADDED_BY_REKOMI.items()))
def test_routes_rekomi_added_take_their_decided_role(endpoint: str, role: Role) -> None:
    route = BY_SHAPE[shape(endpoint)]
    assert (route.auth, route.role, route.email_verified) == (Auth.KEY_OR_JWT, role, False)
    assert route.plan is not None and not gate_of(route.plan).binds_dashboard


@pytest.mark.parametrize("endpoint", PROVIDER_ENDPOINTS)
def test_provider_endpoints_are_public(endpoint: str) -> None:
    route = BY_SHAPE[shape(endpoint)]
    assert (route.public, route.role, route.plan, route.raw_path_params) == (
        True, None, None, frozenset({"orgHandle"}))


# Row 68 is prose ("API key management"): its routes are decided here. Issue 26: Owners on
# the dashboard only (an API key cannot make or revoke keys), on any plan (a lapsed org can
# still revoke a leaked key).
KEY_MANAGEMENT = ("GET /api/v1/api-keys", "POST /api/v1/api-keys", "DELETE /api/v1/api-keys/{id}")


@pytest.mark.parametrize("endpoint", KEY_MANAGEMENT)
def test_key_management_is_for_dashboard_owners_on_any_plan(endpoint: str) -> None:
    route = BY_SHAPE[shape(endpoint)]
    assert (route.auth, route.role, route.plan) == (Auth.JWT_ONLY, Role.Owner, None)


def test_writes_need_more_than_a_viewer() -> None:
    """Where the reference names no role, reads are Viewer's and writes at least Manager's:
    a Viewer changes nothing."""
    for route in ROUTES:
        if route.role is not None and route.mutating:
            assert route.role >= Role.Manager, f"{route.method} {route.path}"


def test_route_declarations_are_checked() -> None:
    with pytest.raises(ValueError, match="public"):
        Route("GET", "/x", None, "x", "x", public=True, role=Role.Owner, operation="x",
              local=_view)
    with pytest.raises(ValueError, match="roles"):
        Route("GET", "/x", None, "x", "x", auth=Auth.API_KEY_ONLY, role=Role.Owner,
              operation="x", local=_view)
    with pytest.raises(ValueError, match="affiliate route"):
        Route("GET", "/x", None, "x", "x", auth=Auth.AFFILIATE_JWT, plan=Tier.Pro,
              operation="x", local=_view)


async def _view(_request: object, _payload: object) -> None:
    return None
