"""Claims to principals (the per-provider mapping) and the access rules of dashboard operators
against API keys: roles, e-mail verification, and which plan gates bind the dashboard."""

from __future__ import annotations

import uuid

import pytest

from services.gateway.domain import access
from services.gateway.domain.claims import (
    ClaimMap,
    affiliate_identity_of,
    claim,
    operator_of,
    parse_role_map,
    put_claim,
)
from services.gateway.domain.errors import (
    EmailNotVerified,
    Forbidden,
    InsufficientScope,
    PlanTierRequired,
)
from services.gateway.domain.plans import (
    ACTIVE_PAID_PLAN,
    NOTIFY_IMPORTED,
    WHITE_LABEL,
    SubscriptionStatus,
    Tier,
)
from services.gateway.domain.principal import Operator, Principal
from services.gateway.domain.roles import Role
from services.gateway.domain.scopes import Scope

ORG = uuid.uuid4()


def keycloak_claims(roles: list[str], **extra: object) -> dict[str, object]:
    return {"sub": "f3c1-user", "org_id": str(ORG), "email": "ops@brand.test",
            "email_verified": True, "realm_access": {"roles": ["offline_access", *roles]},
            **extra}


def test_keycloak_realm_roles_through_a_dotted_path_and_a_role_map() -> None:
    cmap = ClaimMap(role="realm_access.roles",
                    role_names=parse_role_map("rekomi-owner=Owner,rekomi-manager=Manager"))
    org, operator = operator_of(keycloak_claims(["rekomi-manager"]), cmap) or (None, None)
    assert org == ORG and operator == Operator("f3c1-user", Role.Manager, "ops@brand.test", True)
    # The highest of several roles; unknown names count for nothing.
    found = operator_of(keycloak_claims(["rekomi-manager", "rekomi-owner", "x"]), cmap)
    assert found is not None and found[1].role is Role.Owner
    assert operator_of(keycloak_claims(["uma_authorization"]), cmap) is None


def test_auth0_namespaced_claims_clerk_and_zitadel_shapes() -> None:
    auth0 = ClaimMap(org="https://rekomi.com/org_id", role="https://rekomi.com/roles")
    found = operator_of({"sub": "auth0|1", "https://rekomi.com/org_id": str(ORG),
                         "https://rekomi.com/roles": ["Viewer"]}, auth0)
    assert found is not None and found[1].role is Role.Viewer and not found[1].email_verified
    clerk = ClaimMap(org="rekomi_org", role="org_role",
                     role_names=parse_role_map("org:admin=Owner,org:member=Viewer"))
    found = operator_of({"sub": "user_2x", "rekomi_org": str(ORG), "org_role": "org:admin"},
                        clerk)
    assert found is not None and found[1].role is Role.Owner
    zitadel = ClaimMap(org="rekomi_org", role="urn:zitadel:iam:org:project:roles")
    found = operator_of({"sub": "2417", "rekomi_org": [str(ORG)],
                         "urn:zitadel:iam:org:project:roles": {"manager": {"1": "x"}}}, zitadel)
    assert found is not None and found[1].role is Role.Manager


def test_missing_or_malformed_claims_make_no_operator() -> None:
    cmap = ClaimMap()
    good = {"sub": "u", "org_id": str(ORG), "role": "owner"}
    assert operator_of(good, cmap) is not None
    for broken in ({**good, "org_id": "not-a-uuid"}, {**good, "role": 3},
                   {k: v for k, v in good.items() if k != "sub"}, {**good, "org_id": None}):
        assert operator_of(broken, cmap) is None
    assert claim({"a": {"b": 1}}, "a.b") == 1 and claim({"a.b": 2, "a": {"b": 1}}, "a.b") == 2
    # "true" as text (Cognito) is verified; anything else is not.
    for value, verified in ((True, True), ("true", True), ("false", False), (1, False),
                            (None, False)):
        found = operator_of({**good, "email_verified": value}, cmap)
        assert found is not None and found[1].email_verified is verified
    with pytest.raises(ValueError):
        parse_role_map("admin=Root")


def test_affiliate_identity_is_the_lower_cased_email_claim() -> None:
    identity = affiliate_identity_of({"sub": "s", "email": " Ada@Example.COM",
                                      "email_verified": "true"}, ClaimMap())
    assert identity is not None and (identity.email, identity.verified) == (
        "ada@example.com", True)
    assert affiliate_identity_of({"sub": "s"}, ClaimMap()) is None


def test_put_claim_writes_the_layout_claim_reads() -> None:
    claims: dict[str, object] = {}
    for path, value in (("realm_access.roles", ["Owner"]), ("https://x.io/org", "o"),
                        ("email", "e")):
        put_claim(claims, path, value)
        assert claim(claims, path) == value


def principal(*, operator: Operator | None = None, scope: Scope = Scope.read_write,
              plan: Tier = Tier.Starter,
              status: SubscriptionStatus = SubscriptionStatus.Active) -> Principal:
    return Principal(key_id=None if operator else uuid.uuid4(), org_id=ORG, scope=scope,
                     plan=plan, status=status, operator=operator)


def operator(role: Role, verified: bool = True) -> Operator:
    return Operator("u", role, "u@brand.test", verified)


def test_roles_and_verification_bind_operators_only() -> None:
    need = {"scope": Scope.read_write, "plan": Tier.Starter, "role": Role.Manager,
            "email_verified": True}
    access.require(principal(operator=operator(Role.Manager)), **need)
    access.require(principal(operator=operator(Role.Owner)), **need)
    with pytest.raises(Forbidden):
        access.require(principal(operator=operator(Role.Viewer)), **need)
    with pytest.raises(EmailNotVerified):
        access.require(principal(operator=operator(Role.Owner, verified=False)), **need)
    with pytest.raises(Forbidden):  # a route without a role decision admits no operator
        access.require(principal(operator=operator(Role.Owner)), scope=Scope.read, plan=None)
    access.require(principal(), **need)  # API keys: no role, no e-mail
    with pytest.raises(InsufficientScope):
        access.require(principal(scope=Scope.read), **need)


def test_the_dashboard_bypasses_plan_gates_except_those_that_bind_it() -> None:
    lapsed = {"plan": Tier.Starter, "status": SubscriptionStatus.None_}
    owner = principal(operator=operator(Role.Owner), **lapsed)
    access.require(owner, scope=Scope.read, plan=Tier.Pro, role=Role.Viewer)
    with pytest.raises(PlanTierRequired):
        access.require(principal(**lapsed), scope=Scope.read, plan=Tier.Pro, role=Role.Viewer)
    for gate in (WHITE_LABEL, ACTIVE_PAID_PLAN):  # embed; bulk invites (Active)
        with pytest.raises(Exception) as caught:
            access.require(owner, scope=Scope.read, plan=gate, role=Role.Viewer)
        assert getattr(caught.value, "code", "") in ("plan_tier_required", "paid_plan_required")
    assert access.passes_plan(owner, Tier.Pro) and access.passes_plan(owner, NOTIFY_IMPORTED)
    assert not access.passes_plan(owner, WHITE_LABEL)
    assert not access.passes_plan(principal(**lapsed), Tier.Pro)
    growth = principal(operator=operator(Role.Owner), plan=Tier.Growth)
    access.require(growth, scope=Scope.read, plan=WHITE_LABEL, role=Role.Viewer)
