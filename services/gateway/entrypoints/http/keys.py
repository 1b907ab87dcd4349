"""Typed keys for what the gateway app and each request carry."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from libs.shared.bus import Bus
from libs.shared.settings import Settings
from services.gateway.adapters.principal_cache import PrincipalCache
from services.gateway.adapters.rate_limiter import RateLimiter
from services.gateway.domain.principal import Principal

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", asyncpg.Pool)
BUS = web.AppKey("bus", Bus)
PRINCIPALS = web.AppKey("principals", PrincipalCache)
LIMITER = web.AppKey("limiter", RateLimiter)
OPENAPI = web.AppKey("openapi", bytes)

# Typed request keys: aiohttp 3.14 warns (NotAppKeyWarning) on every request stored under a str.
PRINCIPAL = web.RequestKey("principal", Principal)
QUOTA_REMAINING = web.RequestKey("quota_remaining", int)
__all__ = ["BUS", "LIMITER", "OPENAPI", "POOL", "PRINCIPAL", "PRINCIPALS", "QUOTA_REMAINING",
           "SETTINGS", "Principal"]
