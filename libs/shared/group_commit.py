"""Group commit: callers that each need "my row is durable" share one transaction.

A caller submits an item and awaits its own result; items that arrive while a flush is running
wait for the next one, so under load one commit (one WAL flush) answers many callers and under
no load a lone item is flushed at once. ``flush`` gets the batch in arrival order and returns one
result per item: a value, or an exception that only that item's caller sees. If ``flush`` itself
raises, every caller in the batch sees the error (nothing of the batch was committed).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

Flush = Callable[[list[T]], Awaitable[Sequence[R | BaseException]]]


class GroupCommit(Generic[T, R]):
    def __init__(self, flush: Flush[T, R], *, max_batch: int = 256, max_inflight: int = 2
                 ) -> None:
        self._flush = flush
        self.max_batch = max_batch
        self.max_inflight = max_inflight
        self._queue: list[tuple[T, asyncio.Future[R]]] = []
        self._inflight = 0
        self._drains: set[asyncio.Task[None]] = set()

    async def submit(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if self._inflight < self.max_inflight:
            self._inflight += 1
            task = asyncio.get_running_loop().create_task(self._drain())
            self._drains.add(task)
            task.add_done_callback(self._drains.discard)
        return await future

    async def close(self) -> None:
        """Stop flushing; callers still waiting (queued or in a flush) see a cancellation."""
        drains = list(self._drains)
        for task in drains:
            task.cancel()
        await asyncio.gather(*drains, return_exceptions=True)
        for _, future in self._queue:
            future.cancel()
        self._queue.clear()

    async def _drain(self) -> None:
        try:
            while self._queue:
                batch = self._queue[:self.max_batch]
                del self._queue[:self.max_batch]
                await self._run(batch)
        finally:
            self._inflight -= 1

    async def _run(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        try:
            results = await self._flush([item for item, _ in batch])
        except BaseException as exc:  # handed to every waiting caller, then re-raised if fatal
            for _, future in batch:
                if future.done():
                    continue
                if isinstance(exc, asyncio.CancelledError):
                    future.cancel()
                else:
                    future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for (_, future), result in zip(batch, results, strict=True):
            if future.done():  # the caller gave up waiting; the row is committed anyway
                continue
            if isinstance(result, BaseException):
                future.set_exception(result)
            else:
                future.set_result(result)
