"""API keys, signing secrets and embed tokens. Keys and tokens are random, shown once and stored
only as a SHA-256 hash: with 190 bits of entropy or more a fast hash is enough (no offline
guessing is feasible)."""

from __future__ import annotations

import hashlib
import re
import secrets
import string

from libs.contracts.api_keys import ApiKeyKind

KEY_PREFIX = "rk_live_"
MCP_KEY_PREFIX = "rk_mcp_"  # the MCP server's keys (issue 24): same length, hashing and lookup
KEY_PREFIXES = {ApiKeyKind.live: KEY_PREFIX, ApiKeyKind.mcp: MCP_KEY_PREFIX}
SIGNING_PREFIX = "rks_"
EMBED_PREFIX = "rk_embed_"  # base62 after it: travels in a query string unencoded
_ALPHABET = string.ascii_letters + string.digits
_KEY_SHAPE = re.compile(r"^rk_(?:live|mcp)_[A-Za-z0-9]{32}$")


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def new_api_key(kind: ApiKeyKind = ApiKeyKind.live) -> str:
    return KEY_PREFIXES[kind] + _random(32)


def new_signing_secret() -> str:
    return SIGNING_PREFIX + _random(40)


def new_embed_token() -> str:
    return EMBED_PREFIX + _random(40)


def hash_key(plaintext: str) -> bytes:
    return hashlib.sha256(plaintext.encode()).digest()


def looks_like_key(candidate: str) -> bool:
    return bool(_KEY_SHAPE.match(candidate))


def display_prefix(plaintext: str) -> str:
    """What lists may show of a key: enough to recognise it, too little to use it."""
    prefix = MCP_KEY_PREFIX if plaintext.startswith(MCP_KEY_PREFIX) else KEY_PREFIX
    return plaintext[: len(prefix) + 4]
