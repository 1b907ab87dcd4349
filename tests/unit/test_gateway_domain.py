"""Pure gateway rules: plan gates, scopes, key handling, the error table, the OpenAPI document."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import make_mocked_request

from libs.contracts.api_keys import ApiKeyKind
from libs.contracts.common import Actor
from services.gateway.domain import secrets
from services.gateway.domain.plans import (
    ACTIVE_PAID_PLAN,
    NOTIFY_IMPORTED,
    PRO_OR_TRIAL,
    S2S_TRACKING,
    PlanGate,
    SubscriptionStatus,
    Tier,
    check_plan,
    effective_tier,
    plan_allows,
)
from services.gateway.domain.principal import Principal
from services.gateway.domain.scopes import Scope, required_scope, satisfies
from services.gateway.domain.signatures import InvalidSignature, header_value, verify_any
from services.gateway.domain.signing_secrets import SigningSecrets, rotate
from services.gateway.entrypoints.http.errors import STATUS
from services.gateway.entrypoints.http.openapi import build_openapi
from services.gateway.entrypoints.http.routes import ROUTES
from services.gateway.entrypoints.http.views import actor_of
from services.gateway.service_layer.authenticate import bearer_token

S = SubscriptionStatus


@pytest.mark.parametrize(("plan", "status", "required", "passes"), [
    (Tier.Starter, S.Active, Tier.Starter, True),
    (Tier.Pro, S.Active, Tier.Starter, True),
    (Tier.Trial, S.Active, Tier.Starter, False),
    (Tier.Trial, S.Trialing, Tier.Starter, False),
    (Tier.Growth, S.Trialing, Tier.Growth, True),
    (Tier.Growth, S.Active, Tier.Pro, False),
    (Tier.Pro, S.PastDue, Tier.Pro, True),
    (Tier.Pro, S.Canceled, Tier.Starter, False),
    (Tier.Pro, S.None_, Tier.Starter, False),
    (Tier.Trial, S.None_, None, True),
])
def test_plan_gate(plan: Tier, status: SubscriptionStatus, required: Tier | None,
                   passes: bool) -> None:
    assert (check_plan(required, plan, status) is None) is passes


def test_denial_reports_effective_tier_and_trialing() -> None:
    denied = check_plan(Tier.Pro, Tier.Growth, S.Trialing)
    assert denied is not None
    assert (denied.required, denied.current, denied.trialing) == (Tier.Pro, Tier.Growth, True)
    assert effective_tier(Tier.Pro, S.Canceled) is Tier.Trial


@pytest.mark.parametrize(("plan", "status", "passes"), [
    (Tier.Growth, S.Active, True), (Tier.Pro, S.Trialing, True), (Tier.Growth, S.Trialing, True),
    (Tier.Starter, S.Trialing, False), (Tier.Pro, S.PastDue, False), (Tier.Pro, S.None_, False),
])
def test_notify_on_import_needs_growth_in_force(plan: Tier, status: SubscriptionStatus,
                                                passes: bool) -> None:
    """Not a 402 (the import runs, the flag is not honoured), so only a unit can see it."""
    assert plan_allows(NOTIFY_IMPORTED, plan, status) is passes


def test_only_gates_stated_in_status_name_it_in_the_402() -> None:
    for gate, named in ((PlanGate(Tier.Starter), False), (PRO_OR_TRIAL, False),
                        (S2S_TRACKING, True), (ACTIVE_PAID_PLAN, True)):
        denied = check_plan(gate, Tier.Starter, S.None_)
        assert denied is not None
        assert ("subscriptionStatus" in denied.body()) is named
        assert denied.body()["current"] == "Trial"


@pytest.mark.parametrize(("method", "need"), [
    ("GET", Scope.read), ("HEAD", Scope.read), ("OPTIONS", Scope.read),
    ("POST", Scope.read_write), ("PATCH", Scope.read_write), ("DELETE", Scope.read_write),
    ("PUT", Scope.read_write),
])
def test_scope_inferred_from_method(method: str, need: Scope) -> None:
    assert required_scope(method) is need
    assert satisfies(Scope.read_write, need)
    assert satisfies(Scope.read, need) is (need is Scope.read)


def test_scope_override_wins() -> None:
    assert required_scope("GET", Scope.read_write) is Scope.read_write


def test_api_keys_are_random_hashed_and_recognisable() -> None:
    first, second = secrets.new_api_key(), secrets.new_api_key()
    assert first != second
    assert secrets.looks_like_key(first)
    assert not secrets.looks_like_key(first[:-1])
    assert not secrets.looks_like_key("rk_test_" + first[8:])
    assert secrets.hash_key(first) == secrets.hash_key(first)
    assert secrets.hash_key(first) != secrets.hash_key(second)
    assert first not in secrets.hash_key(first).hex()
    assert secrets.new_signing_secret().startswith("rks_")


def test_mcp_keys_have_their_own_prefix_and_the_same_shape() -> None:
    key = secrets.new_api_key(ApiKeyKind.mcp)
    assert key.startswith("rk_mcp_") and len(key) == len("rk_mcp_") + 32
    assert secrets.looks_like_key(key)
    assert not secrets.looks_like_key("rk_mcp_" + key[7:-1])
    assert secrets.display_prefix(key) == key[:11]
    assert secrets.display_prefix(secrets.new_api_key()).startswith("rk_live_")
    assert len(secrets.display_prefix(secrets.new_api_key())) == 12


@pytest.mark.parametrize(("header", "token"), [
    (None, None), ("", None), ("Bearer", None), ("Bearer   ", None), ("Basic abc", None),
    ("Bearer rk_live_x", "rk_live_x"), ("bearer rk_live_x", "rk_live_x"),
])
def test_bearer_token(header: str | None, token: str | None) -> None:
    assert bearer_token(header) == token


def test_every_domain_error_code_has_a_status() -> None:
    from services.gateway.domain import errors as gateway_errors
    from services.ledger.domain import errors as ledger_errors
    from services.webhooks.domain import errors as webhooks_errors
    for module in (gateway_errors, ledger_errors, webhooks_errors):
        for value in vars(module).values():
            code = getattr(value, "code", None)
            if isinstance(value, type) and isinstance(code, str):
                assert code in STATUS, f"{value.__name__}.code {code!r} has no HTTP status"


def test_openapi_covers_every_route_with_its_models() -> None:
    document = build_openapi(ROUTES)
    for route in ROUTES:
        operation = document["paths"][route.path][route.method.lower()]
        assert str(route.status) in operation["responses"]
        if route.body is not None:
            ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            assert ref.endswith("/" + route.body.__name__)
            assert route.body.__name__ in document["components"]["schemas"]
    visibility = document["components"]["schemas"]["NetworkVisibility"]["enum"]
    assert visibility == ["Private", "Networked", "InviteOnly"]
    create = document["paths"]["/api/v1/programs"]["post"]
    assert "Public" in create["description"]


@pytest.mark.parametrize("with_key", [True, False])
def test_actor_dict_is_the_actor_models_json(with_key: bool) -> None:
    request = make_mocked_request("POST", "/x", headers={"User-Agent": "curl/8"})
    principal = Principal(key_id=uuid.uuid4(), org_id=uuid.uuid4(), scope=Scope.read_write,
                          plan=Tier.Pro, status=S.Active) if with_key else None
    actor = actor_of(request, principal)
    assert actor == Actor.model_validate(actor).model_dump(mode="json", by_alias=True)
    assert actor["type"] == ("api_key" if with_key else "user")
    assert actor["keyId"] == (str(principal.key_id) if principal else None)
    assert actor["userAgent"] == "curl/8"


def test_a_rotated_signing_secret_verifies_until_its_overlap_ends() -> None:
    now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    before = SigningSecrets(secrets.new_signing_secret())
    after = rotate(before, now=now, overlap=timedelta(hours=24))
    assert after.current.startswith("rks_") and after.current != before.current
    assert (after.previous, after.previous_expires_at) == (before.current,
                                                           now + timedelta(hours=24))
    body, stamp = b"{}", int(now.timestamp())
    during = after.verifying(now + timedelta(hours=23))
    for secret in (before.current, after.current):
        verify_any(during, header_value(secret, stamp, body), body, stamp)
    ended = after.verifying(now + timedelta(hours=24))
    assert ended == (after.current,)
    with pytest.raises(InvalidSignature):
        verify_any(ended, header_value(before.current, stamp, body), body, stamp)
    # A second rotation keeps only the secret it replaces.
    again = rotate(after, now=now, overlap=timedelta(hours=24))
    assert again.verifying(now) == (again.current, after.current)
