"""What one service answers on the bus: declared ``Rpc`` symbols bound to typed use cases.

A use case is ``(deps, Command) -> reply``: the message is validated against the symbol's
request model on the way in, and a reply model is serialised (by alias, as JSON) on the way
out, so the reply a client sees is the model the OpenAPI document describes."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from libs.shared.bus import RpcHandler
from libs.shared.errors import ValidationFailed, pydantic_field
from libs.shared.rpc import Rpc
from libs.shared.runtime import ServiceContext

C = TypeVar("C", bound=BaseModel)
D = TypeVar("D")


class PingRequest(BaseModel):
    """``system.ping`` takes nothing."""


class PingReply(BaseModel):
    service: str
    ok: bool


@functools.cache
def ping_rpc(service: str) -> Rpc[PingRequest, PingReply]:
    return Rpc(service, "system.ping", PingRequest, PingReply)


def command_of(command: type[C], payload: Any) -> C:
    """The typed command, or the envelope's 400 naming the offending field."""
    try:
        return command.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = first["loc"][1:] if first["loc"][:1] == ("data",) else first["loc"]
        raise ValidationFailed(first["msg"], field=pydantic_field(loc)) from None


def reply_json(rpc: Rpc[Any, Any], result: Any) -> Any:
    """The reply's JSON, from the declared reply model only: a use case that answers anything
    else (a hand-built dict is a second definition of the shape) is a bug, raised here."""
    if result is None:
        return None
    if rpc.reply is None or not isinstance(result, rpc.reply):
        raise TypeError(f"{rpc.service}.{rpc.name} must answer "
                        f"{rpc.reply.__name__ if rpc.reply else 'nothing'}, "
                        f"not {type(result).__name__}")
    return result.model_dump(mode="json", by_alias=True)


def typed(deps: D, rpc: Rpc[C, Any], use_case: Callable[[D, C], Awaitable[Any]]) -> RpcHandler:
    async def handle(payload: dict[str, Any]) -> Any:
        return reply_json(rpc, await use_case(deps, command_of(rpc.request, payload)))

    return handle


class HandlerTable:
    """One service's request/reply table. Registering another service's symbol, or one symbol
    twice, raises at start-up."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.handlers: dict[str, RpcHandler] = {}

    def add(self, rpc: Rpc[C, Any], deps: D,
            use_case: Callable[[D, C], Awaitable[Any]]) -> None:
        self.add_handler(rpc, typed(deps, rpc, use_case))

    def add_handler(self, rpc: Rpc[Any, Any], handler: RpcHandler) -> None:
        """A ready-made handler, for one that wraps a typed use case."""
        if rpc.service != self.service:
            raise ValueError(f"{self.service} cannot answer {rpc.service}'s {rpc.name}")
        if rpc.name in self.handlers:
            raise ValueError(f"{rpc.service}.{rpc.name} is registered twice")
        self.handlers[rpc.name] = handler

    def served(self) -> frozenset[str]:
        return frozenset(self.handlers)


def service_table(ctx: ServiceContext) -> HandlerTable:
    """A service's table, starting with ``system.ping``: proves the service answers on the bus
    and reaches its database."""
    table = HandlerTable(ctx.name)

    async def ping(_deps: None, _cmd: PingRequest) -> PingReply:
        async with ctx.pool.acquire() as conn:
            await conn.fetchval("SELECT 1")
        return PingReply(service=ctx.name, ok=True)

    table.add(ping_rpc(ctx.name), None, ping)
    return table
