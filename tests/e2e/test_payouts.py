"""Payout runs over HTTP on the whole stack (Manual method; the provider methods have their own
tests): preview, run, the confirm check, claw-backs, currencies, concurrency and isolation."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import aiohttp

from tests.common.affiliates_api import create_affiliate
from tests.common.api import audit_page
from tests.common.orgs import new_key, new_org
from tests.common.payouts_api import (
    approved_sale,
    ledger_sql,
    payout_call,
    period,
    preview,
    run,
    statuses_become,
)
from tests.common.s2s import Seller, post_signed, seller
from tests.common.stack import rekomi, rekomi_json
from tests.common.waiting import eventually
from tests.e2e.test_s2s_lifecycle import refund_of, refunded

PAYOUT_KEYS = {"id", "affiliateId", "amountCents", "currency", "method", "status",
               "stripeTransferId", "externalTransactionId", "notes", "failureReason",
               "periodStart", "periodEnd", "createdAt", "paidAt", "failedAt", "lineItems"}


async def test_a_manual_run_pays_what_the_preview_showed_once(
        http: aiohttp.ClientSession) -> None:
    s = await seller(http)
    sales = [await approved_sale(http, s, amountCents=a) for a in (10000, 2550)]
    due = sum(c["commissionCents"] for c in sales)

    shown = await preview(http, s.org)
    assert set(shown) == {"totalCents", "currency", "eligibleCount", "ineligibleCount",
                          "candidates", "totals"}
    assert (shown["totalCents"], shown["currency"], shown["eligibleCount"],
            shown["ineligibleCount"]) == (due, "USD", 1, 0)
    assert shown["candidates"] == [{
        "affiliateId": s.affiliate["id"], "currency": "USD", "amountCents": due,
        "lineItemCount": 2, "isEligible": True, "ineligibilityReason": None}]
    assert await preview(http, s.org) == shown  # a preview writes nothing

    paid = await run(http, s.org, due, notes="May run", externalTransactionId="bank-77")
    assert len(paid) == 1 and set(paid[0]) == PAYOUT_KEYS
    payout = paid[0]
    assert (payout["affiliateId"], payout["amountCents"], payout["currency"], payout["method"],
            payout["status"], payout["notes"], payout["externalTransactionId"]) == (
        s.affiliate["id"], due, "USD", "Manual", "Paid", "May run", "bank-77")
    assert payout["paidAt"] is not None and payout["failedAt"] is None
    assert sorted((li["conversionId"], li["amountCents"]) for li in payout["lineItems"]) == \
        sorted((c["id"], c["commissionCents"]) for c in sales)
    await statuses_become(http, s.org, [c["id"] for c in sales], "Paid")

    status, got = await payout_call(http, s.org, f"/{payout['id']}", method="GET")
    assert (status, got) == (200, payout)
    # Nothing is due any more: the same run again is a mismatch, and a run of 0 pays nobody.
    status, answer = await payout_call(http, s.org, "/run", period(confirmTotalCents=due))
    assert status == 409, answer
    assert (answer["error"], answer["currentTotalCents"]) == ("payout_total_mismatch", 0)
    assert await run(http, s.org, 0) == []

    async def audited() -> list[dict[str, object]] | None:
        items: list[dict[str, object]] = (await audit_page(http, s.org,
                                                           action="payouts.run"))["items"]
        return items if len(items) >= 2 else None

    logged = await eventually(audited, what="two payouts.run audit rows")
    assert {row["entityType"] for row in logged} == {"payout_run"}
    assert sorted(json.loads(str(row["after"]))["payoutCount"] for row in logged) == [0, 1]


async def test_a_wrong_total_is_refused_and_claims_nothing(http: aiohttp.ClientSession) -> None:
    s = await seller(http)
    made = await approved_sale(http, s)
    status, answer = await payout_call(http, s.org, "/run", period(
        confirmTotalCents=made["commissionCents"] + 1))
    assert status == 409, answer
    assert answer == {"error": "payout_total_mismatch", "field": "confirmTotalCents",
                      "message": answer["message"],
                      "currentTotalCents": made["commissionCents"]}
    rows = await ledger_sql("SELECT payout_id FROM conversions WHERE id = $1",
                            uuid.UUID(made["id"]))
    assert rows[0]["payout_id"] is None
    assert len(await run(http, s.org, made["commissionCents"])) == 1


async def test_two_runs_at_once_pay_each_commission_once(http: aiohttp.ClientSession) -> None:
    s = await seller(http)
    sales = [await approved_sale(http, s) for _ in range(3)]
    due = sum(c["commissionCents"] for c in sales)
    answers = await asyncio.gather(*(payout_call(http, s.org, "/run", period(
        confirmTotalCents=due)) for _ in range(4)))
    ok = [a for status, a in answers if status == 200]
    refused = [a for status, a in answers if status == 409]
    assert len(ok) == 1 and len(refused) == 3, answers
    assert {a["error"] for a in refused} == {"payout_total_mismatch"}
    assert sum(p["amountCents"] for p in ok[0]) == due
    rows = await ledger_sql(
        "SELECT count(DISTINCT payout_id) AS n, count(*) AS c FROM conversions "
        "WHERE id = ANY($1::uuid[])", [uuid.UUID(c["id"]) for c in sales])
    assert (rows[0]["n"], rows[0]["c"]) == (1, 3)


async def test_a_commission_refunded_after_it_was_paid_nets_against_the_next_payout(
        http: aiohttp.ClientSession) -> None:
    s = await seller(http)
    first = await approved_sale(http, s, amountCents=20000)
    await run(http, s.org, first["commissionCents"])
    await statuses_become(http, s.org, [first["id"]], "Paid")
    status, _ = await post_signed(http, s.org, refund_of(first["externalEventId"]))
    assert status == 200
    await refunded(http, s, first["id"])

    # Owed back with nothing due: negative_balance, and nobody is paid.
    shown = await preview(http, s.org)
    assert shown["candidates"] == [{
        "affiliateId": s.affiliate["id"], "currency": "USD",
        "amountCents": -first["commissionCents"], "lineItemCount": 1, "isEligible": False,
        "ineligibilityReason": "negative_balance"}]
    assert (shown["totalCents"], shown["eligibleCount"]) == (0, 0)

    second = await approved_sale(http, s, amountCents=50000)
    net = second["commissionCents"] - first["commissionCents"]
    assert (await preview(http, s.org))["totalCents"] == net
    [payout] = await run(http, s.org, net)
    assert payout["amountCents"] == net
    assert sorted((li["conversionId"], li["amountCents"]) for li in payout["lineItems"]) == \
        sorted([(second["id"], second["commissionCents"]),
                (first["id"], -first["commissionCents"])])
    assert (await preview(http, s.org))["candidates"] == []  # the claw-back is settled


async def test_each_currency_is_paid_in_itself(http: aiohttp.ClientSession) -> None:
    s = await seller(http)
    usd = await approved_sale(http, s, amountCents=10000, currency="USD")
    eur = await approved_sale(http, s, amountCents=7000, currency="EUR")
    shown = await preview(http, s.org)
    assert [(c["currency"], c["amountCents"]) for c in shown["candidates"]] == [
        ("EUR", eur["commissionCents"]), ("USD", usd["commissionCents"])]
    assert shown["totals"] == [
        {"currency": "EUR", "totalCents": eur["commissionCents"], "eligibleCount": 1},
        {"currency": "USD", "totalCents": usd["commissionCents"], "eligibleCount": 1}]
    assert shown["currency"] == "USD"  # several due: the home currency; totals say the rest
    paid = await run(http, s.org, shown["totalCents"])
    assert sorted((p["currency"], p["amountCents"]) for p in paid) == [
        ("EUR", eur["commissionCents"]), ("USD", usd["commissionCents"])]


async def test_who_is_not_paid_and_why(http: aiohttp.ClientSession) -> None:
    s = await seller(http)
    paused = await create_affiliate(http, s.org, s.program["id"])
    taxed = await seller(http, s.org)
    await approved_sale(http, s)
    await approved_sale(http, s, slug=paused["links"][0]["slug"])
    await approved_sale(http, taxed)
    async with http.patch(f"/api/v1/affiliates/{paused['id']}", json={"status": "Paused"},
                          headers=s.org.auth) as response:
        assert response.status == 200, await response.text()
    async with http.patch(f"/api/v1/programs/{taxed.program['id']}",
                          json={"requiresTaxForm": True}, headers=s.org.auth) as response:
        assert (await response.json())["requiresTaxForm"] is True
    nobody = (await create_affiliate(http, s.org, s.program["id"]))["id"]

    shown = await preview(http, s.org, affiliateIds=[
        s.affiliate["id"], paused["id"], taxed.affiliate["id"], nobody])
    reasons = {c["affiliateId"]: c["ineligibilityReason"] for c in shown["candidates"]}
    assert reasons == {s.affiliate["id"]: None, paused["id"]: "affiliate_not_approved",
                       taxed.affiliate["id"]: "tax_form_missing", nobody: "nothing_due"}
    assert (shown["eligibleCount"], shown["ineligibleCount"]) == (1, 3)
    paid = await run(http, s.org, shown["totalCents"], affiliateIds=[
        s.affiliate["id"], paused["id"], taxed.affiliate["id"], nobody])
    assert [p["affiliateId"] for p in paid] == [s.affiliate["id"]]


async def test_payouts_are_the_org_s_own(http: aiohttp.ClientSession) -> None:
    s = await seller(http)
    other = await seller(http)
    made = await approved_sale(http, s)
    [payout] = await run(http, s.org, made["commissionCents"])
    status, answer = await payout_call(http, other.org, f"/{payout['id']}", method="GET")
    assert (status, answer["error"]) == (404, "payout_not_found")
    status, answer = await payout_call(http, other.org, "/preview", period(
        affiliateIds=[s.affiliate["id"]]))
    assert (status, answer["error"], answer["field"]) == (
        404, "affiliate_not_found", "affiliateIds")
    status, listed = await payout_call(http, other.org, "", method="GET")
    assert (status, listed["items"]) == (200, [])
    for action in ("retry", "cancel"):
        status, answer = await payout_call(http, other.org, f"/{payout['id']}/{action}")
        assert (status, answer["error"]) == (404, "payout_not_found")


async def test_only_a_failed_payout_is_retried_or_cancelled(http: aiohttp.ClientSession) -> None:
    s = await seller(http)
    made = await approved_sale(http, s)
    [payout] = await run(http, s.org, made["commissionCents"])
    status, answer = await payout_call(http, s.org, f"/{payout['id']}/retry")
    assert (status, answer["error"]) == (409, "payout_not_retryable")
    status, answer = await payout_call(http, s.org, f"/{payout['id']}/cancel")
    assert (status, answer["error"]) == (409, "payout_not_cancellable")


async def test_the_list_filters_and_pages(http: aiohttp.ClientSession) -> None:
    s = await seller(http)
    second = await seller(http, s.org)
    for who in (s, second, s):
        made = await approved_sale(http, who)
        await run(http, s.org, made["commissionCents"])
    status, page = await payout_call(http, s.org, "?take=2", method="GET")
    assert status == 200 and len(page["items"]) == 2 and page["hasMore"] is True
    status, rest = await payout_call(http, s.org, f"?cursor={page['nextCursor']}",
                                     method="GET")
    assert len(rest["items"]) == 1 and rest["hasMore"] is False
    status, mine = await payout_call(http, s.org, f"?affiliateId={s.affiliate['id']}",
                                     method="GET")
    assert [p["affiliateId"] for p in mine["items"]] == [s.affiliate["id"]] * 2
    status, none = await payout_call(http, s.org, "?status=Failed", method="GET")
    assert none["items"] == []


async def test_provider_methods_without_credentials_are_refused(
        http: aiohttp.ClientSession) -> None:
    s = await seller(http)
    status, answer = await payout_call(http, s.org, "/preview", period(method="PayPal"))
    assert (status, answer["error"], answer["field"]) == (
        400, "payout_method_not_configured", "method")


async def test_payouts_need_a_starter_plan(http: aiohttp.ClientSession) -> None:
    trial = await new_org(plan="Trial", status="Trialing")
    status, answer = await payout_call(http, trial, "/preview", period())
    assert (status, answer["error"]) == (402, "plan_tier_required")


async def test_an_operator_sets_where_an_affiliate_is_paid(http: aiohttp.ClientSession) -> None:
    s = await seller(http)
    aid = s.affiliate["id"]
    set_ = rekomi_json("admin", "payout-details", "--affiliate", aid, "--stripe-account",
                       "acct_1Test", "--paypal-email", "pay@example.com")
    assert set_ == {"affiliateId": aid, "stripeConnect": True, "paypal": True, "wise": False}
    rows = await ledger_sql("SELECT stripe_account_id, paypal_email, wise_recipient_id "
                            "FROM affiliates WHERE id = $1", uuid.UUID(aid))
    assert tuple(rows[0]) == ("acct_1Test", "pay@example.com", None)
    # Only what is given changes; "" clears one. The values never reach the API.
    assert rekomi_json("admin", "payout-details", "--affiliate", aid, "--paypal-email", "")[
        "paypal"] is False
    async with http.get(f"/api/v1/affiliates/{aid}", headers=s.org.auth) as response:
        shown = await response.text()
    assert "acct_1Test" not in shown
    logged = await eventually(lambda: _audit_of(http, s, "affiliate.payout_details_changed"),
                              what="audit rows")
    assert "acct_1Test" not in str(logged)
    bad = rekomi("admin", "payout-details", "--affiliate", aid, "--stripe-account", "nope",
                 "--json", check=False)
    assert bad.returncode == 1 and "\"field\":\"stripeAccountId\"" in bad.stderr.replace(
        " ", ""), bad.stderr


async def _audit_of(http: aiohttp.ClientSession, s: Seller, action: str
                    ) -> list[dict[str, object]] | None:
    items: list[dict[str, object]] = (await audit_page(http, s.org, action=action))["items"]
    return items if len(items) >= 2 else None


async def test_an_idempotency_key_replays_the_run_and_never_runs_it_twice(
        http: aiohttp.ClientSession) -> None:
    s = await seller(http)
    made = await approved_sale(http, s)
    body = period(confirmTotalCents=made["commissionCents"])
    key = {"Idempotency-Key": str(uuid.uuid4())}
    # Two at once: one runs, the other is told it is in progress (or replays, if it came last).
    answers = await asyncio.gather(*(_run_raw(http, s, body, key) for _ in range(2)))
    first = next(a for a in answers if a[0] == 200 and a[2] is None)
    other = next(a for a in answers if a is not first)
    assert (other[0] == 409 and other[1]["error"] == "idempotency_request_in_progress") or (
        other[0] == 200 and other[2] == "true" and other[1] == first[1]), other
    status, replay, replayed = await _run_raw(http, s, body, key)
    assert (status, replay, replayed) == (200, first[1], "true")
    status, reused, _ = await _run_raw(http, s, {**body, "notes": "other"}, key)
    assert (status, reused["error"]) == (409, "idempotency_key_reused")
    status, listed = await payout_call(http, s.org, "", method="GET")
    assert [p["id"] for p in listed["items"]] == [p["id"] for p in first[1]]
    # Keys are per org: another org's same key is its own.
    other_seller = await seller(http)
    mine = await approved_sale(http, other_seller)
    status, theirs, replayed = await _run_raw(
        http, other_seller, period(confirmTotalCents=mine["commissionCents"]), key)
    assert (status, replayed, len(theirs)) == (200, None, 1)


async def _run_raw(http: aiohttp.ClientSession, s: Seller, body: dict[str, object],
                   key: dict[str, str]) -> tuple[int, Any, str | None]:
    async with http.post("/api/v1/payouts/run", json=body,
                         headers={**s.org.auth, **key}) as response:
        return (response.status, await response.json(),
                response.headers.get("Idempotency-Replayed"))


async def test_a_read_key_reads_payouts_and_cannot_pay(http: aiohttp.ClientSession) -> None:
    s = await seller(http)
    made = await approved_sale(http, s)
    read = await new_key(s.org, "read")
    for path in ("/preview", "/run", f"/{uuid.uuid4()}/retry", f"/{uuid.uuid4()}/cancel"):
        async with http.post(f"/api/v1/payouts{path}", json=period(
                confirmTotalCents=made["commissionCents"]), headers=read) as response:
            assert response.status == 403, path
            assert (await response.json())["error"] == "insufficient_scope"
    async with http.get("/api/v1/payouts", headers=read) as response:
        assert response.status == 200
    assert (await preview(http, s.org))["totalCents"] == made["commissionCents"]
