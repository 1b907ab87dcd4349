"""Every request/reply method is a declared symbol that its owner answers and the gateway
calls by that symbol: a route to nowhere, a handler under another service's name or a method
registered twice fails here, not as a 502 in production."""

from __future__ import annotations

import importlib
import pkgutil
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import BaseModel, Field

import libs.contracts
from libs.shared.rpc import DECLARED, Rpc
from libs.shared.rpc_handlers import HandlerTable, typed
from libs.shared.settings import Settings
from services.gateway.entrypoints.http.route_table import Route
from services.gateway.entrypoints.http.routes import ROUTES
from services.ledger.bootstrap import OutsideSystems
from services.ledger.bootstrap import handlers as ledger_handlers
from services.payouts.entrypoints.rpc import handlers as payouts_handlers
from services.tracking.entrypoints.rpc import handlers as tracking_handlers
from services.webhooks.entrypoints.rpc import handlers as webhooks_handlers

for _module in pkgutil.iter_modules(libs.contracts.__path__):
    importlib.import_module(f"libs.contracts.{_module.name}")


TEST_SERVICE = "wiring-test"  # the symbols this module declares to test the machinery


def _context(name: str) -> Any:
    """What a table needs to be built: nothing is called, so no pool or bus is opened."""
    return SimpleNamespace(name=name, settings=Settings(), pool=None, bus=None)


def _tables() -> dict[str, HandlerTable]:
    """Built inside a running loop: the webhooks table makes its DNS resolver there."""
    ledger = _context("ledger")
    return {"ledger": ledger_handlers(ledger, OutsideSystems.from_settings(ledger.settings)),
            "tracking": tracking_handlers(_context("tracking"), SimpleNamespace()),
            "webhooks": webhooks_handlers(_context("webhooks")),
            "payouts": payouts_handlers(_context("payouts"), SimpleNamespace())}


async def test_every_declared_method_is_answered_by_its_owner() -> None:
    tables = _tables()
    unanswered = [key for key, rpc in DECLARED.items() if rpc.service != TEST_SERVICE
                  and rpc.name not in tables[rpc.service].served()]
    assert unanswered == []


async def test_every_answered_method_is_declared() -> None:
    undeclared = [f"{service}.{name}" for service, table in _tables().items()
                  for name in table.served() if f"{service}.{name}" not in DECLARED]
    assert undeclared == []


def test_every_route_calls_a_declared_method_of_a_service() -> None:
    for route in ROUTES:
        if route.rpc is not None:
            assert DECLARED[f"{route.rpc.service}.{route.rpc.name}"] is route.rpc, route.path
            assert route.rpc.service in ("ledger", "tracking", "webhooks", "payouts")


def test_operation_ids_are_unique() -> None:
    ids = [route.operation_id for route in ROUTES]
    assert sorted({i for i in ids if ids.count(i) > 1}) == []


def test_forwarding_routes_answer_their_rpcs_reply_model() -> None:
    for route in ROUTES:
        if route.local is None and route.status != 204:
            assert route.rpc is not None
            assert route.response_model is route.rpc.reply, route.path


class _Ask(BaseModel):
    number: int


class _Told(BaseModel):
    doubled_number: int = Field(alias="doubledNumber")


WIRING = Rpc(TEST_SERVICE, "double", _Ask, _Told)


def test_a_table_refuses_another_services_method_and_a_second_registration() -> None:
    async def use_case(_deps: None, cmd: _Ask) -> _Told:
        return _Told(doubledNumber=cmd.number * 2)

    with pytest.raises(ValueError, match="cannot answer"):
        HandlerTable("ledger").add(WIRING, None, use_case)
    table = HandlerTable(TEST_SERVICE)
    table.add(WIRING, None, use_case)
    with pytest.raises(ValueError, match="registered twice"):
        table.add(WIRING, None, use_case)


def test_a_symbol_cannot_be_declared_twice() -> None:
    with pytest.raises(ValueError, match="declared twice"):
        Rpc(TEST_SERVICE, "double", _Ask, _Told)


async def test_a_reply_model_leaves_as_its_json_by_alias_and_a_bad_request_is_a_400() -> None:
    async def use_case(_deps: None, cmd: _Ask) -> _Told:
        return _Told(doubledNumber=cmd.number * 2)

    handle = typed(None, WIRING, use_case)
    assert await handle({"number": 21}) == {"doubledNumber": 42}
    with pytest.raises(Exception) as refused:
        await handle({"number": "many"})
    assert getattr(refused.value, "code", None) == "validation_failed"
    assert getattr(refused.value, "field", None) == "number"


async def test_a_use_case_that_answers_anything_but_its_reply_model_is_a_bug() -> None:
    async def hand_built(_deps: None, cmd: _Ask) -> Any:
        return {"doubledNumber": cmd.number * 2}

    async def nothing(_deps: None, _cmd: _Ask) -> None:
        return None

    with pytest.raises(TypeError, match="must answer _Told, not dict"):
        await typed(None, WIRING, hand_built)({"number": 1})
    assert await typed(None, WIRING, nothing)({"number": 1}) is None


def test_a_route_without_rpc_or_view_and_a_redundant_shape_are_refused() -> None:
    with pytest.raises(ValueError, match="neither"):
        Route("GET", "/x", None, "x", "X")
    with pytest.raises(ValueError, match="takes its shape from the Rpc"):
        Route("GET", "/x", WIRING, "x", "X", response=_Told)
