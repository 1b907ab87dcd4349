"""Stripe promotion codes, which localstripe 1.15 lacks (``/v1/promotion_codes`` is 404), and
restricted API keys, which it refuses, installed by ``tests.common.localstripe_plugin`` (names,
fields and errors as in Stripe's API reference):

- ``POST /v1/promotion_codes``: ``coupon`` (required, an existing coupon, else 400
  ``parameter_missing`` / ``resource_missing``), ``code`` (generated when absent), ``metadata``,
  ``active`` (default true). Since API version 2025-09-30.clover the coupon is named by
  ``promotion`` (``{"type": "coupon", "coupon": "<id>"}``) instead, as the request's
  ``Stripe-Version`` says (none: before clover, the version Rekomi's test events carry); the
  official library sends its own, a later one. The other parameters Stripe takes
  (``customer``, ``expand``, ``expires_at``, ``max_redemptions``, ``restrictions``) are 500
  "Not implemented", as localstripe answers what it lacks; unknown ones are 400
  ``parameter_unknown``;
- ``GET /v1/promotion_codes/{id}`` (404 ``resource_missing`` for an unknown id);
- the object: ``id`` ``promo_...``, ``code``, ``coupon`` (the coupon object; since clover
  ``promotion`` with the coupon's id, not expanded), ``metadata``, ``active``, ``created``,
  ``livemode``, ``times_redeemed``, ``max_redemptions``, ``expires_at``, ``customer``,
  ``restrictions``;
- restricted keys (``rk_test_...``) authenticate as secret keys do: localstripe takes any
  ``sk_`` key and knows no permissions, so any ``rk_`` key may read and write everything."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from localstripe import server  # type: ignore[import-untyped]
from localstripe.errors import UserError  # type: ignore[import-untyped]
from localstripe.resources import (  # type: ignore[import-untyped]
    StripeObject,
    random_id,
    store,
    try_convert_to_bool,
)

# The API version whose promotion codes name their coupon in ``promotion``.
CLOVER = "2025-09-30"
NOT_IMPLEMENTED = frozenset({"customer", "expand", "expires_at", "max_redemptions",
                             "restrictions"})


def _error(status: int, code: str, param: str, message: str) -> UserError:
    return UserError(status, message, {"code": code, "param": param})


class PromotionCode(StripeObject):  # type: ignore[misc]
    object = "promotion_code"
    _id_prefix = "promo_"

    def __init__(self, coupon: Any, code: str | None = None,
                 metadata: dict[str, str] | None = None, active: Any = True) -> None:
        super().__init__()
        self.code = code or random_id(8).upper()
        self._coupon = coupon
        self.metadata = metadata or {}
        self.active = try_convert_to_bool(active)
        self.customer = self.expires_at = self.max_redemptions = None
        self.times_redeemed = 0
        self.restrictions = {"first_time_transaction": False, "minimum_amount": None,
                             "minimum_amount_currency": None}

    def _export_as(self, polymorphic: bool) -> dict[str, Any]:
        exported: dict[str, Any] = self._export()
        if polymorphic:
            exported["promotion"] = {"type": "coupon", "coupon": self._coupon.id}
        else:
            exported["coupon"] = self._coupon._export()
        return exported


def _polymorphic(request: web.Request) -> bool:
    # No Stripe-Version: the account's default version, here one before clover.
    return request.headers.get("Stripe-Version", "") >= CLOVER


def _coupon_of(data: dict[str, Any], polymorphic: bool) -> Any:
    """The coupon the request names, as its API version names it."""
    if polymorphic:
        param, promotion = "promotion[coupon]", data.pop("promotion", None)
        if not isinstance(promotion, dict):
            raise _error(400, "parameter_missing", "promotion",
                         "Missing required param: promotion.")
        kind = promotion.get("type")
        if kind is None:
            raise _error(400, "parameter_missing", "promotion[type]",
                         "Missing required param: promotion[type].")
        if kind != "coupon":
            raise UserError(400, "Invalid promotion[type]: must be one of coupon",
                            {"param": "promotion[type]"})
        coupon = promotion.get("coupon")
    else:
        param, coupon = "coupon", data.pop("coupon", None)
    if not coupon:
        raise _error(400, "parameter_missing", param, f"Missing required param: {param}.")
    found = store.get(f"coupon:{coupon}")
    if found is None:
        raise _error(400, "resource_missing", param, f"No such coupon: '{coupon}'")
    return found


async def create(request: web.Request) -> web.Response:
    data = await server.get_post_data(request) or {}
    polymorphic = _polymorphic(request)
    coupon = _coupon_of(data, polymorphic)
    for name in data:
        if name in NOT_IMPLEMENTED:
            raise UserError(500, "Not implemented")
        if name not in ("code", "metadata", "active"):
            raise _error(400, "parameter_unknown", name, f"Received unknown parameter: {name}")
    promotion = PromotionCode(coupon, **data)
    response: web.Response = server.json_response(promotion._export_as(polymorphic))
    return response


async def retrieve(request: web.Request) -> web.Response:
    promotion_id = request.match_info["id"]
    promotion = store.get(f"promotion_code:{promotion_id}")
    if promotion is None:
        raise _error(404, "resource_missing", "id",
                     f"No such promotion code: '{promotion_id}'")
    response: web.Response = server.json_response(promotion._export_as(_polymorphic(request)))
    return response


_get_api_key = server.get_api_key


def get_api_key(request: web.Request) -> str | None:
    """Also a restricted key as a Bearer (as the official library sends keys): Stripe takes
    one wherever its permissions allow; localstripe takes only ``sk_`` keys."""
    header = request.headers.get("Authorization", "").split(" ")
    if len(header) == 2 and header[0] == "Bearer" and header[1].startswith("rk_") \
            and len(header[1]) > 5:
        return header[1]
    found: str | None = _get_api_key(request)
    return found


def install(app: web.Application) -> None:
    server.get_api_key = get_api_key  # looked up by localstripe's auth middleware per request
    app.router.add_post("/v1/promotion_codes", create)
    app.router.add_get("/v1/promotion_codes/{id}", retrieve)
