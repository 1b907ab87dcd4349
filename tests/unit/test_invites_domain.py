"""Invite rules without I/O: tokens, states, batch planning, the e-mail, the bulk plan gate."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from libs.contracts.common import as_json
from libs.contracts.invites import CREATE_BULK_INVITES, CREATE_INVITE
from libs.shared.errors import RekomiError
from services.gateway.domain.plans import ACTIVE_PAID_PLAN, SubscriptionStatus, Tier, effective_tier
from services.gateway.domain.principal import Principal
from services.gateway.domain.scopes import Scope
from services.gateway.entrypoints.http.route_table import Route
from services.gateway.entrypoints.http.views import enforce_gates
from services.ledger.domain.errors import InviteExpired, InviteNotPending, InviteRevoked
from services.ledger.invites.domain import model as domain
from services.ledger.invites.domain.batch import Row, plan_batch
from services.ledger.invites.domain.mail import invite_mail

NOW = datetime(2026, 5, 1, tzinfo=UTC)


def make_invite(**changes: object) -> domain.Invite:
    spec = domain.NewInvite(
        org_id=uuid.uuid4(), program_id=uuid.uuid4(), email="a@example.com", full_name=None,
        requested_slug=None, note_html=None, custom_commission_type=None,
        custom_commission_value=None, auto_approve=True, brand_name="Brand")
    invite, _ = domain.new_invite(spec, invite_id=uuid.uuid4(), secret="s", now=NOW)
    return dataclasses.replace(invite, **changes)  # type: ignore[arg-type]


def test_tokens_are_derived_hashed_and_rotated() -> None:
    invite_id = uuid.uuid4()
    token = domain.derive_token("secret", invite_id, 1)
    assert token == domain.derive_token("secret", invite_id, 1) and len(token) == 43
    assert token != domain.derive_token("secret", invite_id, 2)
    assert token != domain.derive_token("other", invite_id, 1)
    invite = make_invite()
    rotated, new = domain.rotated(invite, "s", NOW + timedelta(days=1))
    assert rotated.token_version == 2 and rotated.token_hash == domain.token_hash(new)
    assert rotated.token_hash != invite.token_hash
    assert rotated.expires_at == NOW + timedelta(days=15)
    assert domain.accept_url("https://x/i/", new) == f"https://x/i/{new}"


def test_states_and_moves() -> None:
    invite = make_invite()
    assert domain.state_at(invite, NOW) == "Pending"
    assert domain.state_at(invite, NOW + domain.TTL) == "Expired"
    with pytest.raises(InviteExpired):
        domain.check_acceptable(invite, NOW + domain.TTL)
    revoked = domain.revoked(invite, NOW)
    assert revoked.state == "Revoked" and domain.revoked(revoked, NOW) is revoked
    with pytest.raises(InviteRevoked):
        domain.check_acceptable(revoked, NOW)
    with pytest.raises(InviteNotPending):
        domain.rotated(revoked, "s", NOW)
    accepted = domain.accepted(invite, uuid.uuid4(), NOW)
    with pytest.raises(InviteNotPending):
        domain.revoked(accepted, NOW)


def test_merge_values_and_commission_text() -> None:
    assert domain.first_name("  Ann  Lee ") == "Ann" and domain.first_name(None) == "there"
    assert domain.commission_text("Percentage", Decimal("30.00"), "EUR") == "30%"
    assert domain.commission_text("Percentage", Decimal("12.50"), "EUR") == "12.5%"
    assert domain.commission_text("Fixed", Decimal("25"), "EUR") == "25.00 EUR"


def test_batch_plan() -> None:
    rows = [Row("A@x.io", None, "keep"), Row("a@x.io", None, None), Row("b@x.io", None, "keep"),
            Row("c@x.io", None, "taken"), Row("d@x.io", None, "api"), Row("e@x.io", None, "X"),
            Row("known@x.io", None, None)]
    plan = plan_batch(rows, known_emails={"known@x.io"}, taken_slugs={"taken"})
    assert [(r.email, r.slug) for r in plan.rows] == [
        ("a@x.io", "keep"), ("b@x.io", None), ("c@x.io", None), ("d@x.io", None),
        ("e@x.io", None)]
    assert plan.skipped == 2
    assert [c.reason for c in plan.slug_conflicts] == [
        "duplicate_within_batch", "taken", "reserved", "invalid"]


def test_invite_mail_parts() -> None:
    mail = invite_mail(to="a@x.io", brand="A&B", program="P", note_html="<p>Hi &amp; bye</p>",
                       url="https://x/i/T", invite_id="1")
    assert "A&amp;B" in mail.html and "<p>Hi &amp; bye</p>" in mail.html
    assert 'href="https://x/i/T"' in mail.html
    assert "Hi & bye" in mail.text and "https://x/i/T" in mail.text


BULK = Route("POST", "/api/affiliate-invites/bulk", CREATE_BULK_INVITES, "s", "t",
             plan=ACTIVE_PAID_PLAN)


@pytest.mark.parametrize(("plan", "status", "allowed"), [
    (Tier.Starter, SubscriptionStatus.Active, True),
    (Tier.Pro, SubscriptionStatus.Active, True),
    (Tier.Trial, SubscriptionStatus.Active, False),
    (Tier.Trial, SubscriptionStatus.Trialing, False),
    (Tier.Pro, SubscriptionStatus.Trialing, False),
    (Tier.Growth, SubscriptionStatus.PastDue, False),
    (Tier.Starter, SubscriptionStatus.Canceled, False),
    (Tier.Pro, SubscriptionStatus.None_, False),
])
def test_bulk_gate_needs_an_active_paid_plan(plan: Tier, status: SubscriptionStatus,
                                             allowed: bool) -> None:
    principal = Principal(uuid.uuid4(), uuid.uuid4(), Scope.read_write, plan, status)
    if allowed:
        enforce_gates(BULK, principal)
        return
    with pytest.raises(RekomiError) as caught:
        enforce_gates(BULK, principal)
    assert caught.value.code == "paid_plan_required"
    # ``current`` is the effective tier, as on every 402 (domain/plans.py)
    assert caught.value.extra == {
        "required": "Starter", "current": effective_tier(plan, status).value,
        "trialing": status is SubscriptionStatus.Trialing, "subscriptionStatus": status.value}


def test_routes_without_the_flag_ignore_the_subscription() -> None:
    single = Route("POST", "/api/affiliate-invites", CREATE_INVITE, "s", "t")
    enforce_gates(single, Principal(uuid.uuid4(), uuid.uuid4(), Scope.read_write, Tier.Trial,
                                    SubscriptionStatus.Trialing))


def test_invite_reply_json_is_pinned() -> None:
    """The InviteResponse the invite endpoints have always sent: the commission value as a JSON
    number, UTC times with Z, every key present."""
    invite = make_invite(id=uuid.UUID(int=1), program_id=uuid.UUID(int=2), full_name="Ada",
                         requested_slug="ada", custom_commission_type="Percentage",
                         custom_commission_value=Decimal("12.50"), note_html="<p>Hi</p>",
                         state="Accepted", affiliate_id=uuid.UUID(int=3),
                         accepted_at=NOW.replace(microsecond=5))
    assert as_json(domain.to_response(invite, "Default", NOW)) == {
        "id": "00000000-0000-0000-0000-000000000001",
        "programId": "00000000-0000-0000-0000-000000000002", "programName": "Default",
        "email": "a@example.com", "fullName": "Ada", "slug": "ada", "state": "Accepted",
        "autoApprove": True, "customCommissionType": "Percentage",
        "customCommissionValue": 12.5, "personalNoteHtml": "<p>Hi</p>",
        "affiliateId": "00000000-0000-0000-0000-000000000003",
        "expiresAt": "2026-05-15T00:00:00Z", "createdAt": "2026-05-01T00:00:00Z",
        "acceptedAt": "2026-05-01T00:00:00Z", "revokedAt": None}
    assert as_json(domain.preview(make_invite(program_id=uuid.UUID(int=2)), "Default",
                                  NOW + timedelta(days=15))) == {
        "brandName": "Brand", "programId": "00000000-0000-0000-0000-000000000002",
        "programName": "Default", "email": "a@example.com", "fullName": None,
        "state": "Expired", "personalNoteHtml": None, "expiresAt": "2026-05-15T00:00:00Z"}
