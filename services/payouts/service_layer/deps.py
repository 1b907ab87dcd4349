"""What the payouts use cases need: the database, the bus (to reach the ledger), and the
payment methods chosen from the settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import asyncpg

from libs.contracts.payouts import PayoutMethod
from libs.shared.bus_rpc import RequestReply
from services.payouts.domain.errors import PayoutMethodNotConfigured
from services.payouts.domain.transfers import MethodNotConfigured, PaymentMethod

# name -> the method's adapter; raises MethodNotConfigured without credentials.
MethodFactory = Callable[[str], PaymentMethod]


@dataclass
class PayoutsDeps:
    pool: asyncpg.Pool
    bus: RequestReply
    method_of: MethodFactory
    # How long a claim of a large run may take in the ledger.
    claim_timeout: float = 60.0
    # A worker owns a leased payout this long; one that dies mid-send frees it after this, and
    # the next sends the same attempt again (the provider's idempotency makes that harmless).
    # Longer than the slowest provider call (a PayPal batch is polled for up to 60 s).
    send_lease_seconds: float = 300.0
    # A run still Claiming after this long has lost its process (a claim takes seconds, at
    # most claim_timeout): the recovery job finishes or releases it.
    stale_run_seconds: float = 120.0
    _methods: dict[str, PaymentMethod] | None = None

    def method(self, name: str) -> PaymentMethod:
        """The adapter for ``name`` (built once), or 400 ``payout_method_not_configured``."""
        if self._methods is None:
            self._methods = {}
        if name not in self._methods:
            try:
                self._methods[name] = self.method_of(name)
            except MethodNotConfigured:
                raise PayoutMethodNotConfigured(
                    f"{name} payouts are not configured on this server (no credentials in "
                    "its settings); use Manual or configure the method", field="method") from None
        return self._methods[name]

    def require(self, method: PayoutMethod) -> None:
        if method != PayoutMethod.Manual:
            self.method(method.value)

    async def close(self) -> None:
        for method in (self._methods or {}).values():
            await method.close()
