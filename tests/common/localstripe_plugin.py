"""localstripe (a fake Stripe server in Stripe's wire format) with what Rekomi's payouts need
and localstripe 1.15 lacks, registered in its aiohttp app before it starts:

- connected accounts: ``POST /v1/accounts``, ``GET /v1/accounts/{id}``;
- transfers: ``POST /v1/transfers``, ``GET /v1/transfers/{id}``, ``GET /v1/transfers``
  (``destination`` filter, newest first), objects and errors as in Stripe's API reference
  (an unknown destination is 400 ``invalid_request_error`` / ``resource_missing``);
- ``Idempotency-Key`` on every POST, as Stripe's v1 layer does: per API key, the saved answer
  is replayed with ``Idempotent-Replayed: true``; the same key with other parameters is 400
  ``idempotency_error``. Stripe saves every answer of a request whose endpoint began running;
  localstripe cannot tell a validation 400 (not saved at Stripe) from a later one, so only 2xx
  and 5xx answers are saved here;
- fault knobs in front of everything (``tests.common.fault_knobs``; set with
  ``POST /_config/faults``, read with ``GET /_config/faults``), like an edge in front of
  Stripe: an injected 429 or 5xx is never saved by the idempotency layer;
- Billing as Stripe ingestion reads it (coupons on subscriptions, ``billing_reason``,
  ``invoice.paid``, ``charge.refunded``, removing a webhook): ``tests.common.localstripe_billing``;
- promotion codes and restricted keys (``rk_``): ``tests.common.localstripe_promotions``.

Run: ``python -m tests.common.localstripe_plugin --port 0`` prints its port, then serves.
Its store is never written to disk (localstripe pickles it to /tmp on every write)."""

from __future__ import annotations

import argparse
import socket
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from localstripe import server  # type: ignore[import-untyped]
from localstripe.errors import UserError  # type: ignore[import-untyped]
from localstripe.resources import (  # type: ignore[import-untyped]
    List,
    Store,
    StripeObject,
    random_id,
    store,
    try_convert_to_int,
)

from tests.common import localstripe_billing, localstripe_promotions
from tests.common.fault_knobs import Faults, fault_middleware

DOCS = "https://stripe.com/docs/error-codes/"


def _param_error(code: str, param: str, message: str) -> UserError:
    return UserError(400, message, {"code": code, "param": param,
                                   "doc_url": DOCS + code.replace("_", "-")})


class Account(StripeObject):  # type: ignore[misc]
    object = "account"
    _id_prefix = "acct_"

    def __init__(self, type: str = "express", country: str = "US", email: str | None = None,
                 capabilities: dict[str, Any] | None = None,
                 metadata: dict[str, str] | None = None, **unknown: Any) -> None:
        if unknown:
            raise _param_error("parameter_unknown", next(iter(unknown)),
                               f"Received unknown parameter: {next(iter(unknown))}")
        super().__init__()
        self.type = type
        self.country = country
        self.email = email
        # Test mode: a requested capability is active at once.
        self.capabilities = {name: "active" for name in capabilities or {}}
        self.charges_enabled = self.payouts_enabled = self.details_submitted = True
        self.default_currency = "usd"
        self.metadata = metadata or {}


class Transfer(StripeObject):  # type: ignore[misc]
    object = "transfer"
    _id_prefix = "tr_"

    def __init__(self, amount: Any = None, currency: str | None = None,
                 destination: str | None = None, description: str | None = None,
                 metadata: dict[str, str] | None = None, transfer_group: str | None = None,
                 source_transaction: str | None = None, source_type: str | None = None,
                 **unknown: Any) -> None:
        _check_transfer(try_convert_to_int(amount), currency, destination, unknown)
        super().__init__()
        self.amount = int(amount)
        self.amount_reversed = 0
        self.balance_transaction = "txn_" + random_id(24)
        self.currency = currency
        self.description = description
        self.destination = destination
        self.destination_payment = "py_" + random_id(24)
        self.metadata = metadata or {}
        self.reversals = {"object": "list", "data": [], "has_more": False, "total_count": 0,
                          "url": f"/v1/transfers/{self.id}/reversals"}
        self.reversed = False
        self.source_transaction = source_transaction
        self.source_type = source_type or "card"
        self.transfer_group = transfer_group


def _check_transfer(amount: Any, currency: str | None, destination: str | None,
                    unknown: dict[str, Any]) -> None:
    if unknown:
        name = next(iter(unknown))
        raise _param_error("parameter_unknown", name, f"Received unknown parameter: {name}")
    for name, value in (("currency", currency), ("destination", destination)):
        if not value:
            raise _param_error("parameter_missing", name, f"Missing required param: {name}.")
    if type(amount) is not int or amount < 1:
        raise _param_error("parameter_invalid_integer", "amount",
                           "This value must be greater than or equal to 1.")
    if store.get(f"account:{destination}") is None:
        raise _param_error("resource_missing", "destination",
                           f"No such destination: '{destination}'")


async def list_transfers(request: web.Request) -> web.Response:
    query = server.unflatten_data(request.query)
    destination = query.pop("destination", None)
    listing = List("/v1/transfers", limit=query.pop("limit", None),
                   starting_after=query.pop("starting_after", None))
    listing._list = [t for key, t in reversed(store.items()) if key.startswith("transfer:")
                     and destination in (None, t.destination)]
    return _json(listing._export())


@dataclass
class Saved:
    path: str
    params: bytes
    status: int
    body: bytes


FAULTS = Faults(method="POST", path="/v1/transfers")
SAVED: dict[tuple[str, str], Saved] = {}


def _json(body: Any, status: int = 200) -> web.Response:
    """localstripe's JSON answer (indented, sorted keys)."""
    response: web.Response = server.json_response(body, status=status)
    return response


def _error(status: int) -> web.Response:
    kind, code = ("invalid_request_error", "rate_limit") if status == 429 else ("api_error", None)
    body: dict[str, Any] = {"type": kind, "message": f"Injected fault ({status})."}
    if code:
        body["code"] = code
    return _json({"error": body}, status=status)


@web.middleware
async def idempotency(request: web.Request, handler: Handler) -> web.StreamResponse:
    key = request.headers.get("Idempotency-Key")
    if request.method != "POST" or not key or request.path.startswith("/_config/"):
        return await handler(request)
    scope, params = (server.get_api_key(request) or "", key), await request.read()
    saved = SAVED.get(scope)
    if saved is not None:
        if (saved.path, saved.params) != (request.path, params):
            return _json({"error": {
                "type": "idempotency_error",
                "message": "Keys for idempotent requests can only be used with the same "
                           "parameters they were first used with. Try using a key other than "
                           f"'{key}' if you meant to execute a different request."}}, status=400)
        return web.Response(body=saved.body, status=saved.status,
                            content_type="application/json",
                            headers={"Idempotent-Replayed": "true", "Idempotency-Key": key})
    response = await handler(request)
    if isinstance(response, web.Response) and (response.status < 300 or response.status >= 500):
        body = response.body if isinstance(response.body, bytes) else b""
        SAVED[scope] = Saved(request.path, params, response.status, body)
    return response


async def set_faults(request: web.Request) -> web.Response:
    """The same knobs as ``tests.common.fault_knobs.Faults``, over HTTP (another process)."""
    for name, value in (await request.json()).items():
        setattr(FAULTS, name, value)
    return await get_faults(request)


async def get_faults(request: web.Request) -> web.Response:
    return web.json_response(vars(FAULTS))


def install(app: web.Application) -> None:
    """Add the resources, the idempotency layer and the fault knobs to localstripe's app."""
    Store.dump_to_disk = lambda self: None
    app.middlewares.insert(0, idempotency)
    app.middlewares.insert(0, fault_middleware(FAULTS, _error))
    for cls in (Account, Transfer):
        url = f"/v1/{cls.object}s"
        app.router.add_post(url, server.api_create(cls, url))
        if cls is Transfer:
            app.router.add_get(url, list_transfers)
        app.router.add_get(url + "/{id}", server.api_retrieve(cls, url))
    app.router.add_post("/_config/faults", set_faults)
    app.router.add_get("/_config/faults", get_faults)
    localstripe_billing.install(app)
    localstripe_promotions.install(app)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    install(server.app)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    print(sock.getsockname()[1], flush=True)
    web.run_app(server.app, sock=sock, print=None, access_log=None)


if __name__ == "__main__":
    main()
