"""Stripe and Paddle for tests: connecting an org, events built and signed exactly as the
providers sign them, posted to the org's endpoint, and the rows tracking stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from typing import Any

import aiohttp
import stripe

from libs.shared import jsonutil
from libs.shared.db import connect
from libs.shared.settings import Settings
from tests.common.orgs import Org

STRIPE = "/api/v1/integrations/stripe"
PADDLE = "/api/v1/integrations/paddle"


def whsec() -> str:
    return "whsec_" + secrets.token_urlsafe(24).replace("-", "A").replace("_", "B")


def ntfset() -> str:
    return f"pdl_ntfset_01{secrets.token_hex(12)}_{secrets.token_hex(16)}"


def stripe_event(event_type: str = "invoice.paid", **data: Any) -> str:
    """A Stripe event body as Stripe sends it (the wire text the signature covers)."""
    return jsonutil.dumps_str({
        "id": f"evt_{secrets.token_hex(12)}", "object": "event", "api_version": "2024-06-20",
        "created": int(time.time()), "type": event_type, "livemode": False,
        "pending_webhooks": 1, "request": {"id": None, "idempotency_key": None},
        "data": {"object": {"id": f"in_{secrets.token_hex(8)}", "object": "invoice",
                            "amount_paid": 4900, "currency": "usd", **data}}})


def paddle_event(event_type: str = "transaction.completed") -> str:
    return jsonutil.dumps_str({
        "event_id": f"evt_01{secrets.token_hex(12)}", "event_type": event_type,
        "occurred_at": "2026-12-06T10:00:00.000000Z", "notification_id": "ntf_01abc",
        "data": {"id": f"txn_01{secrets.token_hex(12)}", "status": "completed",
                 "currency_code": "USD"}})


def stripe_signature(body: str, secret: str, at: int | None = None) -> str:
    """``t=<unix>,v1=<hex HMAC-SHA256 of "t.body">``, by the official library's generator."""
    header: str = stripe.WebhookSignature.generate_signature_header(body, secret, timestamp=at)
    return header


def paddle_signature(body: str, secret: str, at: int | None = None) -> str:
    """``ts=<unix>;h1=<hex HMAC-SHA256 of "ts:body">``, as Paddle Billing documents it."""
    ts = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return f"ts={ts};h1={digest}"


async def put_connection(http: aiohttp.ClientSession, path: str, headers: dict[str, str],
                         body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    async with http.put(path, json=body, headers=headers) as response:
        return response.status, await response.json(content_type=None)


async def connect_stripe(http: aiohttp.ClientSession, org: Org,
                         restricted_key: str | None = None) -> str:
    secret = whsec()
    status, body = await put_connection(http, STRIPE, org.auth, {
        "webhookSecret": secret, "restrictedApiKey": restricted_key})
    assert status == 200, body
    return secret


async def post_event(http: aiohttp.ClientSession, provider: str, handle: str, body: str,
                     signature: str | None) -> tuple[int, dict[str, Any]]:
    header = "Stripe-Signature" if provider == "stripe" else "Paddle-Signature"
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers[header] = signature
    async with http.post(f"/api/integrations/{provider}/{handle}", data=body.encode(),
                         headers=headers) as response:
        return response.status, await response.json(content_type=None)


async def tracking_sql(sql: str, *args: Any) -> list[Any]:
    conn = await connect(Settings().database_url, "tracking")
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


async def stored_events(org: Org) -> list[Any]:
    return await tracking_sql("SELECT provider, event_id, event_type, payload FROM "
                              "provider_events WHERE org_id = $1 ORDER BY received_at",
                              uuid.UUID(org.org_id))


async def connect_paddle(http: aiohttp.ClientSession, org: Org) -> str:
    secret = ntfset()
    status, body = await put_connection(http, PADDLE, org.auth, {"webhookSecret": secret})
    assert status == 200, body
    return secret
