"""What counts as "the database is away" (503, retry) rather than a failure of ours (500)."""

from __future__ import annotations

import asyncpg
import pytest

from libs.shared.db import database_unavailable


@pytest.mark.parametrize("exc", [
    ConnectionRefusedError(111, "refused"), ConnectionResetError(104, "reset"),
    asyncpg.CannotConnectNowError("the database system is starting up"),
    asyncpg.AdminShutdownError("terminating connection due to administrator command"),
    asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"),
    asyncpg.TooManyConnectionsError("too many clients"),
    asyncpg.InterfaceError("connection is closed"),
])
def test_an_outage_is_unavailable(exc: BaseException) -> None:
    assert database_unavailable(exc)


@pytest.mark.parametrize("exc", [
    asyncpg.UniqueViolationError("duplicate key"), asyncpg.DataError("bad input"),
    asyncpg.InterfaceError("cannot perform operation: another operation is in progress"),
    ValueError("bug"), KeyError("bug"),
])
def test_a_bug_or_bad_data_is_not(exc: BaseException) -> None:
    assert not database_unavailable(exc)
