"""Group commit: callers arriving together share a flush, each gets its own result or error,
and closing cancels whoever still waits."""

from __future__ import annotations

import asyncio

import pytest

from libs.shared.group_commit import GroupCommit


async def test_callers_share_flushes_and_get_their_own_results() -> None:
    batches: list[list[int]] = []

    async def flush(items: list[int]) -> list[int | Exception]:
        batches.append(items)
        await asyncio.sleep(0.01)
        return [ValueError(n) if n == 3 else n * 10 for n in items]

    commits: GroupCommit[int, int] = GroupCommit(flush, max_batch=4, max_inflight=1)
    results = await asyncio.gather(*(commits.submit(n) for n in range(8)),
                                   return_exceptions=True)
    assert [r if not isinstance(r, ValueError) else "error" for r in results] == [
        0, 10, 20, "error", 40, 50, 60, 70]
    assert batches == [[0, 1, 2, 3], [4, 5, 6, 7]]


async def test_a_failed_flush_reaches_every_caller_of_the_batch() -> None:
    async def flush(items: list[int]) -> list[int]:
        raise RuntimeError("database away")

    commits: GroupCommit[int, int] = GroupCommit(flush)
    results = await asyncio.gather(commits.submit(1), commits.submit(2),
                                   return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)


async def test_close_cancels_the_waiting_callers() -> None:
    started = asyncio.Event()

    async def flush(items: list[int]) -> list[int]:
        started.set()
        await asyncio.sleep(60)
        return items

    commits: GroupCommit[int, int] = GroupCommit(flush, max_inflight=1)
    waiting = [asyncio.ensure_future(commits.submit(n)) for n in range(3)]
    await started.wait()
    await commits.close()
    for task in waiting:
        with pytest.raises(asyncio.CancelledError):
            await task
