"""End-to-end fixtures: the whole stack as processes, called over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest

from libs.shared.settings import Settings
from services.ledger.invites.adapters.mail_catcher import MailCatcher
from tests.common.events import EventRecorder
from tests.common.oidc_issuer import TestIssuer
from tests.common.orgs import Org, new_org
from tests.common.stack import Stack
from tests.common.stripe_server import API_KEY as STRIPE_KEY
from tests.common.stripe_server import start_localstripe


@pytest.fixture(scope="session")
def mail_catcher() -> Iterator[MailCatcher]:
    """The local SMTP server the stack's mail worker sends invite e-mail to (in memory)."""
    catcher = MailCatcher()
    catcher.start()
    yield catcher
    catcher.stop()


@pytest.fixture(scope="session")
def stripe_base() -> Iterator[str]:
    """localstripe with transfers: the stack's Stripe (StripeConnect payouts)."""
    process, base = start_localstripe()
    yield base
    process.kill()  # a delayed answer (a fault knob) would hold a graceful stop for its delay
    process.wait(10)
    if process.stdout is not None:
        process.stdout.close()


@pytest.fixture(scope="session")
def issuer() -> Iterator[TestIssuer]:
    """The OpenID Connect issuer the stack's gateway trusts (dashboard and portal sign-in):
    discovery and JWKS over real HTTP, with an RS256 and an ES256 key."""
    running = TestIssuer().start()
    running.add_key("RS256")
    running.add_key("ES256")
    yield running
    running.stop()


@pytest.fixture(scope="session")
def stack(mail_catcher: MailCatcher, stripe_base: str, issuer: TestIssuer) -> Iterator[Stack]:
    # Rate limits high enough that tests only meet them where they mean to (rate-limit tests
    # use a second, strict stack).
    running = Stack(Settings(), {"REKOMI_RATE_LIMIT_PER_MINUTE": "100000",
                                 "REKOMI_WEBHOOKS_ALLOW_LOOPBACK": "true",
                                 "REKOMI_WEBHOOKS_RETRY_TIME_SCALE": "0.001",
                                 "REKOMI_WEBHOOKS_TIMEOUT_SECONDS": "1",
                                 # CPC: 2-second click buckets, so tests see them booked
                                 "REKOMI_TRACKING_CLICK_BUCKET_SECONDS": "2",
                                 "REKOMI_TRACKING_CLICK_AGGREGATION_MARGIN_SECONDS": "1",
                                 "REKOMI_TRACKING_CLICK_AGGREGATION_INTERVAL_SECONDS": "0.5",
                                 "REKOMI_SMTP_PORT": str(mail_catcher.port),
                                 # StripeConnect payouts go to localstripe; a payout whose
                                 # sender died is sent again after 3 s, not 5 min
                                 "REKOMI_STRIPE_API_KEY": STRIPE_KEY,
                                 "REKOMI_STRIPE_API_BASE": stripe_base,
                                 "REKOMI_PAYOUTS_SEND_LEASE_SECONDS": "3",
                                 "REKOMI_PAYOUTS_SEND_INTERVAL_SECONDS": "0.2",
                                 "REKOMI_PAYOUTS_PROVIDER_BACKOFF_SECONDS": "0.05",
                                 # sign-in: the test issuer; a rotated key is fetched at once
                                 "REKOMI_JWT_ISSUER": issuer.url,
                                 "REKOMI_JWT_AUDIENCE": issuer.audience,
                                 "REKOMI_JWT_JWKS_MIN_REFRESH_SECONDS": "0",
                                 "REKOMI_JWT_AFFILIATE_CACHE_SECONDS": "0"})
    import asyncio
    asyncio.run(running.start())
    yield running
    running.stop()


@pytest.fixture
async def http(stack: Stack) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=stack.base_url) as session:
        yield session


@pytest.fixture
async def org() -> Org:
    """A Pro org with a read_write key, made in-process as ``rekomi admin create-org`` does."""
    return await new_org(plan="Pro", status="Active")


@pytest.fixture
async def other_org() -> Org:
    return await new_org(plan="Pro", status="Active")


@pytest.fixture(scope="module")
async def published_events(stack: Stack) -> AsyncIterator[EventRecorder]:
    """Affiliate and conversion events as they reach the bus (the relay deletes what it sent,
    so the outbox does not keep count)."""
    recorder = await EventRecorder.start(("affiliate.*", "conversion.*"))
    yield recorder
    await recorder.stop()
