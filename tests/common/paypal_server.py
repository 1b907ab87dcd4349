"""A fake PayPal (OAuth2 client credentials and the Payouts API), from PayPal's public API
reference: ``POST /v1/oauth2/token``, ``POST /v1/payments/payouts``,
``GET /v1/payments/payouts/{payout_batch_id}``.

- A ``sender_batch_id`` seen before is refused as PayPal does: 400 ``USER_BUSINESS_ERROR``,
  detail field ``SENDER_BATCH_ID``, issue "Batch with given sender_batch_id already exists",
  and a link to the original batch (on PayPal's host, as PayPal writes it).
- A batch's item is ``PENDING`` for its first ``pending_reads`` reads, then final: ``SUCCESS``,
  or what ``outcomes[receiver]`` says (e.g. ``("FAILED", "RECEIVER_ACCOUNT_LOCKED")``).
- ``faults`` (``tests.common.fault_knobs``) answer 5xx or 429 in PayPal's error shape.
- ``batches`` records every batch made: "exactly one payout" is ``len(batches) == 1``."""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.common.fault_knobs import Faults, fault_middleware

CLIENT_ID, CLIENT_SECRET = "rekomi-paypal-client", "rekomi-paypal-secret"
LINK_BASE = "https://api.sandbox.paypal.com/v1/payments/payouts/"
NO_DECIMALS = {"JPY", "HUF", "TWD"}


@dataclass
class Batch:
    payout_batch_id: str
    payout_item_id: str
    sender_batch_id: str
    receiver: str
    amount: dict[str, str]
    reads: int = 0


@dataclass
class FakePayPal:
    pending_reads: int = 1
    outcomes: dict[str, tuple[str, str]] = field(default_factory=dict)
    faults: Faults = field(default_factory=lambda: Faults(path="/v1/payments/payouts"))
    batches: list[Batch] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)
    token_requests: int = 0

    def app(self) -> web.Application:
        app = web.Application(middlewares=[fault_middleware(self.faults, _server_error)])
        app.router.add_post("/v1/oauth2/token", self.token)
        app.router.add_post("/v1/payments/payouts", self.create_payout)
        app.router.add_get("/v1/payments/payouts/{batch_id}", self.show_payout)
        return app

    def revoke_tokens(self) -> None:
        """Every token issued so far stops working (as after their expiry)."""
        self.tokens.clear()

    async def token(self, request: web.Request) -> web.Response:
        self.token_requests += 1
        form = await request.post()
        if _basic_auth(request) != (CLIENT_ID, CLIENT_SECRET):
            return web.json_response({"error": "invalid_client",
                                      "error_description": "Client Authentication failed"},
                                     status=401)
        if form.get("grant_type") != "client_credentials":
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        token = "A21AA" + secrets.token_urlsafe(24)
        self.tokens.add(token)
        return web.json_response({
            "scope": "https://uri.paypal.com/services/payments/payouts", "access_token": token,
            "token_type": "Bearer", "app_id": "APP-80W284485P519543T", "expires_in": 32400,
            "nonce": secrets.token_hex(8)})

    async def create_payout(self, request: web.Request) -> web.Response:
        if (refused := self._unauthorized(request)) is not None:
            return refused
        body = await request.json()
        sender_batch_id = body["sender_batch_header"]["sender_batch_id"]
        if (earlier := self._by_sender_id(sender_batch_id)) is not None:
            return _duplicate(earlier)
        item = body["items"][0]
        if (invalid := _invalid_item(item)) is not None:
            return invalid
        batch = Batch(_id(), _id(), sender_batch_id, item["receiver"], item["amount"])
        self.batches.append(batch)
        return web.json_response({
            "batch_header": {"payout_batch_id": batch.payout_batch_id, "batch_status": "PENDING",
                             "sender_batch_header": body["sender_batch_header"]},
            "links": [_link(batch)]}, status=201)

    async def show_payout(self, request: web.Request) -> web.Response:
        if (refused := self._unauthorized(request)) is not None:
            return refused
        batch = next((b for b in self.batches
                      if b.payout_batch_id == request.match_info["batch_id"]), None)
        if batch is None:
            return _error(404, "INVALID_RESOURCE_ID", "Requested resource ID was not found.")
        batch.reads += 1
        return web.json_response(self._batch_view(batch))

    def _batch_view(self, batch: Batch) -> dict[str, Any]:
        status, error = ("PENDING", None) if batch.reads <= self.pending_reads else \
            self.outcomes.get(batch.receiver, ("SUCCESS", None))
        item: dict[str, Any] = {
            "payout_item_id": batch.payout_item_id, "transaction_status": status,
            "payout_batch_id": batch.payout_batch_id,
            "payout_item": {"recipient_type": "EMAIL", "amount": batch.amount,
                            "receiver": batch.receiver, "sender_item_id": batch.sender_batch_id},
            "links": []}
        if status == "SUCCESS":
            item["transaction_id"] = _id()
        if error:
            item["errors"] = {"name": error, "message": error.replace("_", " ").capitalize()}
        batch_status = "PENDING" if status == "PENDING" else \
            "DENIED" if status in ("FAILED", "BLOCKED", "DENIED") else "SUCCESS"
        return {"batch_header": {"payout_batch_id": batch.payout_batch_id,
                                 "batch_status": batch_status,
                                 "sender_batch_header": {"sender_batch_id": batch.sender_batch_id},
                                 "amount": batch.amount},
                "items": [item], "links": [_link(batch)]}

    def _by_sender_id(self, sender_batch_id: str) -> Batch | None:
        return next((b for b in self.batches if b.sender_batch_id == sender_batch_id), None)

    def _unauthorized(self, request: web.Request) -> web.Response | None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme == "Bearer" and token in self.tokens:
            return None
        return web.json_response({"error": "invalid_token",
                                  "error_description": "Access Token not found in cache"},
                                 status=401)


def _invalid_item(item: dict[str, Any]) -> web.Response | None:
    value, currency = item["amount"]["value"], item["amount"]["currency"]
    places = 0 if currency in NO_DECIMALS else 2
    if not re.fullmatch(r"\d+" + (rf"\.\d{{{places}}}" if places else ""), value):
        return _error(400, "VALIDATION_ERROR", "Invalid request - see details.",
                      [{"field": "items[0].amount.value", "location": "body",
                        "issue": f"Invalid amount for {currency}"}])
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", item["receiver"]):
        return _error(400, "VALIDATION_ERROR", "Invalid request - see details.",
                      [{"field": "items[0].receiver", "location": "body",
                        "issue": "Receiver is invalid or does not match with type"}])
    return None


def _duplicate(earlier: Batch) -> web.Response:
    return _error(400, "USER_BUSINESS_ERROR", "User business error.", [{
        "field": "SENDER_BATCH_ID", "location": "body",
        "issue": "Batch with given sender_batch_id already exists",
        "link": [{"href": LINK_BASE + earlier.payout_batch_id, "rel": "self",
                  "method": "GET"}]}])


def _error(status: int, name: str, message: str,
           details: list[dict[str, Any]] | None = None) -> web.Response:
    body: dict[str, Any] = {"name": name, "message": message, "debug_id": secrets.token_hex(6),
                            "information_link":
                                "https://developer.paypal.com/docs/api/payments.payouts-batch/"}
    if details:
        body["details"] = details
    return web.json_response(body, status=status)


def _server_error(status: int) -> web.Response:
    if status == 429:
        return _error(429, "RATE_LIMIT_REACHED", "Too many requests. Blocked due to throttling.")
    return _error(status, "INTERNAL_SERVER_ERROR", "An internal server error has occurred.")


def _link(batch: Batch) -> dict[str, str]:
    return {"href": LINK_BASE + batch.payout_batch_id, "rel": "self", "method": "GET",
            "encType": "application/json"}


def _basic_auth(request: web.Request) -> tuple[str, str] | None:
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme != "Basic":
        return None
    user, _, password = base64.b64decode(encoded).decode().partition(":")
    return user, password


def _id() -> str:
    return secrets.token_hex(7).upper()
