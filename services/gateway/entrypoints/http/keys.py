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

PRINCIPAL = "rekomi.principal"
QUOTA_REMAINING = "rekomi.quota_remaining"
__all__ = ["BUS", "LIMITER", "OPENAPI", "POOL", "PRINCIPAL", "PRINCIPALS", "QUOTA_REMAINING",
           "SETTINGS", "Principal"]
