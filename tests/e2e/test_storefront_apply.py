"""Applying to a program through the public storefront, over HTTP with no API key."""

from __future__ import annotations

import asyncio
import time
import uuid

import aiohttp

from tests.common.api import audit_page, create_program, expect_error
from tests.common.events import EventRecorder
from tests.common.orgs import Org, new_org
from tests.common.stack import Stack
from tests.common.storefront_api import (
    APPLY_KEYS,
    affiliate_row,
    client_from,
    create_affiliate,
    events_about,
)
from tests.common.waiting import eventually
from tests.common.webhooks_api import create_webhook
from tests.common.webhooks_receiver import Received, receiver

AFFILIATES_URL = "/api/v1/affiliates"


def _apply(program_id: str) -> str:
    return f"/api/p/id/{program_id}/apply"


def _email() -> str:
    return f"applicant-{uuid.uuid4().hex[:8]}@example.com"


# ---- apply -----------------------------------------------------------------------------------
async def test_apply_pending_by_default_with_events_audit_and_answers(
        stack: Stack, published_events: EventRecorder) -> None:
    org = await new_org()
    async with client_from(stack.base_url) as http:
        program = await create_program(http, org)
        form = {"email": _email(), "fullName": "New Affiliate",
                "website": "https://creator.example.com", "audience": "200k subscribers",
                "whyInterested": "Evangelist", "customAlias": f"fit-{uuid.uuid4().hex[:6]}"}
        async with http.post(_apply(program["id"]), json=form,
                             headers={"User-Agent": "apply-test"}) as response:
            assert response.status == 200
            body = await response.json()
        assert set(body) == APPLY_KEYS
        assert body["status"] == "Pending" and body["affiliateLinkSlug"] is None
        assert body["message"] == "Application received."
        affiliate_id = body["affiliateId"]
        row = await affiliate_row(affiliate_id)
        assert row is not None and row["source"] == "Public" and row["applied_at"] is not None
        assert row["application_data"] == {"website": form["website"],
                                           "audience": form["audience"],
                                           "whyInterested": form["whyInterested"]}
        async with http.get(f"{AFFILIATES_URL}/{affiliate_id}", headers=org.auth) as response:
            shown = await response.json()
        assert "applicationData" not in shown and shown["status"] == "Pending"
        assert shown["links"][0]["slug"] == form["customAlias"]  # reserved while pending
        assert await events_about(published_events, affiliate_id, 1) == ["affiliate.created"]
        entries = await eventually(lambda: _audit_of(http, org, affiliate_id),
                                   what="apply audit row")
        assert entries[0]["actorType"] == "user" and entries[0]["action"] == "affiliate.applied"



async def _audit_of(http: aiohttp.ClientSession, org: Org, entity_id: str
                    ) -> list[dict[str, object]] | None:
    page = await audit_page(http, org, entityType="affiliate")
    items = [i for i in page["items"] if i["entityId"] == entity_id]
    return items or None


async def test_apply_auto_approve_fires_created_then_approved(
        stack: Stack, published_events: EventRecorder) -> None:
    org = await new_org()
    async with client_from(stack.base_url) as http:
        program = await create_program(http, org, autoApprove=True)
        alias = f"newaff-{uuid.uuid4().hex[:6]}"
        async with http.post(_apply(program["id"]),
                             json={"email": _email(), "customAlias": alias}) as response:
            assert response.status == 200
            body = await response.json()
        assert body["status"] == "Approved" and body["affiliateLinkSlug"] == alias
        assert body["message"] == "Welcome aboard."
        assert await events_about(published_events, body["affiliateId"], 2) == [
            "affiliate.created", "affiliate.approved"]
        async with http.post(_apply(program["id"]), json={"email": _email()}) as response:
            generated = await response.json()
        assert generated["affiliateLinkSlug"]  # a generated slug when no alias is asked


async def test_duplicate_application_gets_the_reference_reply_and_writes_nothing(
        stack: Stack, published_events: EventRecorder) -> None:
    """The reference's duplicate reply, word for word, with the fresh reply's status; no
    second affiliate, no second event, no second webhook delivery (and no id that 404s)."""
    org = await new_org()
    async with client_from(stack.base_url) as http, receiver() as rx:
        await create_webhook(http, org, rx.url("/hook"),
                             events=["affiliate.created", "affiliate.approved"])
        for auto, events in ((False, 1), (True, 2)):
            program = await create_program(http, org, autoApprove=auto)
            email = _email()
            async with http.post(_apply(program["id"]), json={"email": email}) as response:
                first_status, first = response.status, await response.json()
            assert set(first) == APPLY_KEYS
            # Another case, other fields, even an alias that is taken: nothing is checked or
            # written for a duplicate.
            again_body = {"email": email.upper(), "fullName": "Again", "customAlias": "admin"}
            async with http.post(_apply(program["id"]), json=again_body) as response:
                again_status, again = response.status, await response.json()
            assert again_status == first_status == 200
            assert again == {"ok": True, "message": "application_received"}
            assert await _count(http, org, program["id"]) == 1
            about = await published_events.settled(
                lambda d, p=program["id"]: (d.body.get("data") or {}).get("programId") == p,
                events)
            assert len(about) == events  # settled waited on: a second event would show
        hooks = await eventually(lambda: _at_least(rx.at("/hook"), 3), what="3 deliveries")
        await asyncio.sleep(1.0)
        assert len(rx.at("/hook")) == len(hooks) == 3


async def _at_least(items: list[Received], n: int) -> list[Received] | None:
    return items if len(items) >= n else None


async def test_concurrent_duplicates_create_one_affiliate(stack: Stack) -> None:
    org = await new_org()
    async with client_from(stack.base_url) as http:
        program = await create_program(http, org, autoApprove=True)
        email = _email()

        async def apply() -> tuple[int, dict[str, object]]:
            async with http.post(_apply(program["id"]), json={"email": email}) as response:
                return response.status, await response.json()

        replies = await asyncio.gather(*(apply() for _ in range(4)))
        assert {status for status, _ in replies} == {200}
        fresh = [body for _, body in replies if set(body) == APPLY_KEYS]
        assert len(fresh) == 1
        assert [body for _, body in replies if body not in fresh] == [
            {"ok": True, "message": "application_received"}] * 3
        assert await _count(http, org, program["id"]) == 1


async def test_apply_validation_alias_rules_and_conflicts(stack: Stack) -> None:
    org = await new_org()
    async with client_from(stack.base_url) as http:
        program = await create_program(http, org)
        taken = f"taken-{uuid.uuid4().hex[:6]}"
        await create_affiliate(http, org, program["id"], customAlias=taken)
        cases = [({}, "email"), ({"email": "not-an-email"}, "email"),
                 ({"email": _email(), "customAlias": "ab"}, "customAlias"),
                 ({"email": _email(), "customAlias": "Upper-Case"}, "customAlias"),
                 ({"email": _email(), "customAlias": "-edge"}, "customAlias"),
                 ({"email": _email(), "recruitedByAffiliateId": "nope"},
                  "recruitedByAffiliateId"),
                 ({"email": _email(), "unknown": 1}, "unknown")]
        for body, field in cases:
            async with http.post(_apply(program["id"]), json=body) as response:
                await expect_error(response, 400, "validation_failed", field)
        async with http.post(_apply(program["id"]),
                             json={"email": _email(), "customAlias": "admin"}) as response:
            await expect_error(response, 400, "slug_reserved", "customAlias")
        email = _email()
        async with http.post(_apply(program["id"]),
                             json={"email": email, "customAlias": taken}) as response:
            await expect_error(response, 409, "alias_already_taken", "customAlias")
        assert await _count(http, org, program["id"]) == 1  # nothing was created


async def _count(http: aiohttp.ClientSession, org: Org, program_id: str) -> int:
    async with http.get(AFFILIATES_URL, params={"programId": program_id},
                        headers=org.auth) as response:
        return len((await response.json())["items"])


async def test_apply_404_for_unknown_inactive_archived_or_malformed(stack: Stack) -> None:
    org = await new_org()
    async with client_from(stack.base_url) as http:
        inactive = await create_program(http, org, isActive=False)
        archived = await create_program(http, org)
        async with http.delete(f"/api/v1/programs/{archived['id']}", headers=org.auth) as r:
            assert r.status == 204
        for program_id in (inactive["id"], archived["id"], str(uuid.uuid4())):
            async with http.post(_apply(program_id), json={"email": _email()}) as response:
                await expect_error(response, 404, "program_not_found")
        async with http.post(_apply("not-a-uuid"), json={"email": _email()}) as response:
            await expect_error(response, 404, "not_found")


async def test_recruited_by_only_for_approved_affiliate_of_same_org(stack: Stack) -> None:
    org, other = await new_org(), await new_org()
    async with client_from(stack.base_url) as http:
        program = await create_program(http, org)
        sibling = await create_program(http, org)
        theirs = await create_program(http, other)
        approved = await create_affiliate(http, org, sibling["id"])
        pending = await create_affiliate(http, org, program["id"], status="Pending")
        foreign = await create_affiliate(http, other, theirs["id"])
        expected = {approved["id"]: approved["id"], pending["id"]: None,
                    foreign["id"]: None, str(uuid.uuid4()): None}
        for recruiter, kept in expected.items():
            async with http.post(_apply(program["id"]), json={
                    "email": _email(), "recruitedByAffiliateId": recruiter}) as response:
                assert response.status == 200
                row = await affiliate_row((await response.json())["affiliateId"])
            assert row is not None
            assert (str(row["recruited_by_affiliate_id"])
                    if row["recruited_by_affiliate_id"] else None) == kept
        # Self-recruit: the recruiter applying to another program with their own email.
        async with http.post(_apply(program["id"]), json={
                "email": approved["email"], "recruitedByAffiliateId": approved["id"]}) as r:
            row = await affiliate_row((await r.json())["affiliateId"])
        assert row is not None and row["recruited_by_affiliate_id"] is None


async def test_apply_is_rate_limited_per_address_and_reads_are_counted(stack: Stack) -> None:
    org = await new_org()
    limit = stack.settings.strict_write_rate_limit_per_minute
    async with client_from(stack.base_url) as http:
        program = await create_program(http, org)
        left = 60 - time.time() % 60  # the window is the epoch minute: do not straddle it
        if left < 5:
            await asyncio.sleep(left + 0.05)
        for _ in range(limit):
            async with http.post(_apply(program["id"]), json={}) as response:
                await expect_error(response, 400, "validation_failed", "email")
        async with http.post(_apply(program["id"]), json={"email": _email()}) as response:
            await expect_error(response, 429, "rate_limited", extra=frozenset({"retryAfter"}))
            assert int(response.headers["Retry-After"]) >= 0
        async with http.get(f"/api/p/by-handle/{org.handle}") as response:
            first = int(response.headers["X-RateLimit-Remaining"])
        async with http.get(f"/api/p/by-handle/{org.handle}") as response:
            assert int(response.headers["X-RateLimit-Remaining"]) == first - 1
    # Another address has its own count.
    async with client_from(stack.base_url) as fresh, fresh.post(_apply(program["id"]),
                                                                json={}) as response:
        await expect_error(response, 400, "validation_failed", "email")
