"""Shapes shared by every contract: the caller identity and the list envelope."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class ApiModel(BaseModel):
    """Request bodies: unknown keys are refused so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ActorType(StrEnum):
    user = "user"
    api_key = "api_key"
    mcp = "mcp"
    system = "system"
    admin = "admin"


class Actor(BaseModel):
    """Who asked for a change; travels with every mutating command into the audit row."""

    type: ActorType
    key_id: uuid.UUID | None = Field(default=None, alias="keyId")
    user_id: str | None = Field(default=None, alias="userId")
    ip: str | None = None
    user_agent: str | None = Field(default=None, alias="userAgent")

    model_config = ConfigDict(populate_by_name=True)


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(alias="nextCursor")
    has_more: bool = Field(alias="hasMore")

    model_config = ConfigDict(populate_by_name=True)


class ListQuery(BaseModel):
    """Query of every cursor list: ``take`` 1..200 (default 50) and an opaque ``cursor``."""

    take: int = Field(default=50, ge=1, le=200)
    cursor: str | None = None
