"""A fake Wise (personal API token, one profile), from Wise's public API reference:
``POST /v3/profiles/{profileId}/quotes``, ``POST /v1/transfers``, ``GET /v1/transfers/{id}``,
``POST /v3/profiles/{profileId}/transfers/{transferId}/payments``.

- A ``customerTransactionId`` seen before gets back the transfer it made (Wise's guard against
  duplicate transfers); one quote makes at most one transfer.
- Funding from the balance answers ``COMPLETED``, or ``REJECTED`` with
  ``transfer.insufficient_funds`` when ``balance`` (major units per currency) is short; a
  transfer already funded is 422 ``transfer.invalid-state``.
- A recipient not in ``recipients`` is refused with 422 in Wise's ``errors`` shape (path
  ``targetAccount``; Wise's exact code for it is not documented, so this one says ``ERROR``).
- ``faults`` (``tests.common.fault_knobs``) answer 5xx or 429; ``transfers`` records every
  transfer made and ``fundings`` every funding that moved money."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from tests.common.fault_knobs import Faults, fault_middleware

TOKEN, PROFILE_ID = "rekomi-wise-token", "4711"
TRANSFERS_PATH = "/v1/transfers"
FUND_PATH = f"/v3/profiles/{PROFILE_ID}/transfers/*/payments"


@dataclass
class FakeWise:
    recipients: set[int] = field(default_factory=lambda: {10001, 10002})
    balance: dict[str, Decimal] = field(default_factory=dict)  # a currency not here: plenty
    faults: Faults = field(default_factory=lambda: Faults(path=TRANSFERS_PATH))
    quotes: dict[str, dict[str, Any]] = field(default_factory=dict)
    transfers: list[dict[str, Any]] = field(default_factory=list)
    fundings: list[int] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(50_000_001))

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._authorized,
                                           fault_middleware(self.faults, _server_error)])
        app.router.add_post("/v3/profiles/{profile}/quotes", self.create_quote)
        app.router.add_post(TRANSFERS_PATH, self.create_transfer)
        app.router.add_get(TRANSFERS_PATH + "/{id}", self.show_transfer)
        app.router.add_post("/v3/profiles/{profile}/transfers/{id}/payments", self.fund)
        return app

    @web.middleware
    async def _authorized(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.json_response({"error": "invalid_token",
                                      "error_description": str(uuid.uuid4())}, status=401)
        if request.match_info.get("profile", PROFILE_ID) != PROFILE_ID:
            return _errors(403, "FORBIDDEN", "Profile not accessible", None)
        return await handler(request)

    async def create_quote(self, request: web.Request) -> web.Response:
        body = await request.json()
        amount = Decimal(str(body.get("targetAmount") or 0))
        if amount <= 0:
            return _errors(422, "error.greaterThanZero",
                           "Please type in a number that's larger than 0.", "targetAmount")
        quote = {"id": str(uuid.uuid4()), "sourceCurrency": body["sourceCurrency"],
                 "targetCurrency": body["targetCurrency"], "sourceAmount": float(amount),
                 "targetAmount": float(amount), "rate": 1, "rateType": "FIXED",
                 "profile": int(PROFILE_ID), "status": "PENDING", "payOut": "BANK_TRANSFER",
                 "createdTime": _now(), "notices": []}
        self.quotes[quote["id"]] = quote
        return web.json_response(quote)

    async def create_transfer(self, request: web.Request) -> web.Response:
        body = await request.json()
        earlier = next((t for t in self.transfers
                        if t["customerTransactionId"] == body["customerTransactionId"]), None)
        if earlier is not None:
            return web.json_response(earlier)
        quote = self.quotes.get(body["quoteUuid"])
        if quote is None or any(t["quoteUuid"] == quote["id"] for t in self.transfers):
            return _errors(422, "ERROR", "Quote not found or already used", "quoteUuid")
        if body["targetAccount"] not in self.recipients:
            return _errors(422, "ERROR", "Recipient account not found", "targetAccount")
        transfer = {"id": next(self._ids), "user": 1, "targetAccount": body["targetAccount"],
                    "sourceAccount": None, "quote": None, "quoteUuid": quote["id"],
                    "status": "incoming_payment_waiting", "reference": "", "rate": 1.0,
                    "created": _now(), "business": int(PROFILE_ID), "hasActiveIssues": False,
                    "sourceCurrency": quote["sourceCurrency"],
                    "sourceValue": quote["sourceAmount"],
                    "targetCurrency": quote["targetCurrency"],
                    "targetValue": quote["targetAmount"],
                    "customerTransactionId": body["customerTransactionId"],
                    "details": {"reference": ""}}
        self.transfers.append(transfer)
        return web.json_response(transfer)

    async def show_transfer(self, request: web.Request) -> web.Response:
        transfer = self._transfer(request.match_info["id"])
        if transfer is None:
            return _errors(404, "transfer.not-found", "Transfer not found", None)
        return web.json_response(transfer)

    async def fund(self, request: web.Request) -> web.Response:
        transfer = self._transfer(request.match_info["id"])
        if transfer is None:
            return _errors(404, "transfer.not-found", "Transfer not found", None)
        if transfer["status"] != "incoming_payment_waiting":
            return _errors(422, "transfer.invalid-state", "Transfer cannot be funded", None)
        currency, amount = transfer["sourceCurrency"], Decimal(str(transfer["sourceValue"]))
        if self.balance.get(currency, amount) < amount:
            return web.json_response({"type": "BALANCE", "status": "REJECTED",
                                      "errorCode": "transfer.insufficient_funds"})
        if currency in self.balance:
            self.balance[currency] -= amount
        transfer["status"] = "processing"
        self.fundings.append(transfer["id"])
        return web.json_response({"type": "BALANCE", "status": "COMPLETED", "errorCode": None})

    def _transfer(self, transfer_id: str) -> dict[str, Any] | None:
        return next((t for t in self.transfers if str(t["id"]) == transfer_id), None)


def _errors(status: int, code: str, message: str, path: str | None) -> web.Response:
    error: dict[str, Any] = {"code": code, "message": message, "arguments": []}
    if path:
        error["path"] = path
    return web.json_response({"errors": [error]}, status=status)


def _server_error(status: int) -> web.Response:
    reason = "Too Many Requests" if status == 429 else "Internal Server Error"
    return web.json_response({"timestamp": _now(), "status": status, "error": reason,
                              "message": "Injected fault", "path": ""}, status=status)


def _now() -> str:
    return datetime.now(UTC).isoformat()
