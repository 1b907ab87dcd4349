"""One aiohttp session to one provider's JSON API (PayPal, Wise), with the shared retry rule:
transient answers and network errors are asked again, any other answer is handed back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp

from libs.shared import jsonutil
from services.payouts.adapters.provider_errors import (
    TRANSIENT_STATUSES,
    RetryPolicy,
    Transient,
    with_retries,
)


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: Any  # the decoded JSON, or None when the body was empty or not JSON

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def field(self, name: str) -> Any:
        return self.body.get(name) if isinstance(self.body, dict) else None


class ProviderHttp:
    def __init__(self, provider: str, api_base: str, timeout_seconds: float,
                 policy: RetryPolicy) -> None:
        self.provider = provider
        self._base = api_base.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._policy = policy
        self._session: aiohttp.ClientSession | None = None

    async def send(self, method: str, path: str, what: str, *, json: Any = None,
                   form: dict[str, str] | None = None,
                   headers: dict[str, str] | None = None) -> Answer:
        """The first answer that is not transient (a 2xx or a final 4xx); ``TransferUnknown``
        once every attempt was transient. ``what`` names the call in logs."""
        body = jsonutil.dumps(json) if json is not None else form
        if json is not None:
            headers = {**(headers or {}), "Content-Type": "application/json"}

        async def once() -> Answer:
            return await self._once(method, path, body, headers)

        return await with_retries(once, self._policy, f"{self.provider} {what}")

    async def _once(self, method: str, path: str, body: Any,
                    headers: dict[str, str] | None) -> Answer:
        try:
            async with self._client().request(method, self._base + path, data=body,
                                              headers=headers) as response:
                raw = await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise Transient(f"{self.provider}: {type(exc).__name__} on {method} {path}") from exc
        if response.status >= 500 or response.status in TRANSIENT_STATUSES:
            raise Transient(f"{self.provider}: HTTP {response.status} on {method} {path}")
        return Answer(response.status, _decoded(raw))

    def _client(self) -> aiohttp.ClientSession:
        # Made on first use, inside the running loop that will use it.
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _decoded(raw: bytes) -> Any:
    try:
        return jsonutil.loads(raw) if raw else None
    except jsonutil.JSONDecodeError:
        return None
