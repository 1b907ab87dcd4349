"""Request/reply methods as declared symbols.

An ``Rpc`` names one method once: the service that answers it, its name on the bus, the model
its request must satisfy and the model its reply is serialised from. The contracts package
declares every one of them; the caller calls the symbol (``GET_PROGRAM.call(bus, payload)``)
and the owner registers its use case under the same symbol (``table.add(GET_PROGRAM, ...)``),
so "go to definition" leads from a route to its handler and a mismatch fails at start-up or in
a unit test, never as a 502 at run time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel

if TYPE_CHECKING:
    from libs.shared.bus_rpc import RequestReply

RequestT = TypeVar("RequestT", bound=BaseModel)
ReplyT = TypeVar("ReplyT", bound=BaseModel)

# Every symbol declared so far, by "<service>.<name>": the registry the tests walk.
DECLARED: dict[str, Rpc[Any, Any]] = {}


@dataclass(frozen=True, slots=True)
class Rpc(Generic[RequestT, ReplyT]):
    """One request/reply method. ``reply`` is None for a method that answers no body."""

    service: str
    name: str
    request: type[RequestT]
    reply: type[ReplyT] | None

    def __post_init__(self) -> None:
        key = f"{self.service}.{self.name}"
        if key in DECLARED:
            raise ValueError(f"RPC {key} is declared twice")
        DECLARED[key] = self

    async def call(self, bus: RequestReply, payload: dict[str, Any], **options: Any) -> Any:
        """Ask the owner to run this method; its reply's JSON, or its error raised.
        ``options`` are ``RequestReply.call``'s (timeout, linger, max_linger)."""
        return await bus.call(self.service, self.name, payload, **options)

    def cast(self, bus: RequestReply, payload: dict[str, Any]) -> None:
        """Have the owner run this method without waiting for an answer."""
        bus.cast(self.service, self.name, payload)
