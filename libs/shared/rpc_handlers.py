"""Turn a typed use case ``(pool, Command) -> result`` into a bus handler: the message is
validated against the command's pydantic model on the way in."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg
from pydantic import BaseModel, ValidationError

from libs.shared.bus import RpcHandler
from libs.shared.errors import ValidationFailed, pydantic_field

C = TypeVar("C", bound=BaseModel)


def typed(pool: asyncpg.Pool, command: type[C],
          use_case: Callable[[asyncpg.Pool, C], Awaitable[Any]]) -> RpcHandler:
    async def handle(payload: dict[str, Any]) -> Any:
        try:
            cmd = command.model_validate(payload)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = pydantic_field(first["loc"][1:] if first["loc"][:1] == ("data",)
                                   else first["loc"])
            raise ValidationFailed(first["msg"], field=field) from None
        return await use_case(pool, cmd)

    return handle
