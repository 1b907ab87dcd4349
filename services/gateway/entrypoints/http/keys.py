"""Typed keys for what the gateway app and each request carry."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from libs.shared.bus import Bus
from libs.shared.settings import Settings
from services.gateway.adapters.key_usage import KeyUsage
from services.gateway.adapters.principal_cache import PrincipalCache
from services.gateway.adapters.rate_limiter import RateLimiter
from services.gateway.domain.principal import AffiliatePrincipal, Principal
from services.gateway.mcp.server import McpServer
from services.gateway.service_layer.sessions import Sessions

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", asyncpg.Pool)
BUS = web.AppKey("bus", Bus)
PRINCIPALS = web.AppKey("principals", PrincipalCache)
KEY_USAGE = web.AppKey("key_usage", KeyUsage)
LIMITER = web.AppKey("limiter", RateLimiter)
OPENAPI = web.AppKey("openapi", bytes)
MCP = web.AppKey("mcp", McpServer)
# Set only when an issuer is trusted (REKOMI_JWT_ISSUER, or the dev issuer in development).
SESSIONS = web.AppKey("sessions", Sessions)

# Typed request keys: aiohttp 3.14 warns (NotAppKeyWarning) on every request stored under a str.
# The brand-side caller (an API key or a dashboard operator): every authenticated route but
# the affiliate-side ones, which carry AFFILIATE instead.
PRINCIPAL = web.RequestKey("principal", Principal)
AFFILIATE = web.RequestKey("affiliate", AffiliatePrincipal)
QUOTA_REMAINING = web.RequestKey("quota_remaining", int)
__all__ = ["AFFILIATE", "BUS", "KEY_USAGE", "LIMITER", "MCP", "OPENAPI", "POOL", "PRINCIPAL",
           "PRINCIPALS", "QUOTA_REMAINING", "SESSIONS", "SETTINGS", "Principal"]
