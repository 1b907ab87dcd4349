"""Self-service API keys (``/api/v1/api-keys``): an Owner signed in to the dashboard lists,
creates and revokes the org's keys. The gateway owns keys, so there is no RPC: these are the
wire shapes of its local routes, and the audit snapshots of their changes."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from libs.contracts.common import ApiModel, CursorText, Resource, Timestamp

MAX_KEY_NAME = 100
KeyName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                           max_length=MAX_KEY_NAME)]


class ApiKeyScope(StrEnum):
    read = "read"
    read_write = "read_write"


class ApiKeyKind(StrEnum):
    """``live``: ``rk_live_...``, for the API; ``mcp``: ``rk_mcp_...``, for the MCP server."""

    live = "live"
    mcp = "mcp"


class ApiKeyCreate(ApiModel):
    scope: ApiKeyScope
    kind: ApiKeyKind = Field(default=ApiKeyKind.live, description=ApiKeyKind.__doc__)
    name: KeyName = Field(description="What the Owner calls it (1-100 characters).")


class ApiKeyResponse(Resource):
    """A key as lists show it: never its secret or hash."""

    id: uuid.UUID
    prefix: str = Field(description="The key's first characters (`rk_live_` or `rk_mcp_` and "
                                    "4 more): enough to recognise it, too little to use it.")
    scope: ApiKeyScope
    kind: ApiKeyKind
    name: str | None = Field(description="null for keys made before keys had names.")
    created_at: Timestamp = Field(alias="createdAt")
    last_used_at: Timestamp | None = Field(
        alias="lastUsedAt", description="When a request last authenticated with it, to within "
                                        "a few seconds; null if never.")
    revoked_at: Timestamp | None = Field(alias="revokedAt")


class ApiKeyCreated(ApiKeyResponse):
    key: str = Field(description="The plaintext key, shown only here: only its SHA-256 is kept.")


class ApiKeyList(Resource):
    items: list[ApiKeyResponse]
    next_cursor: str | None = Field(alias="nextCursor")
    has_more: bool = Field(alias="hasMore")


class ApiKeyListQuery(BaseModel):
    take: int = Field(default=50, ge=1, le=200)
    cursor: CursorText | None = None
