"""Test-wide set-up: point every setting at the test database, vhost and Redis db."""

from __future__ import annotations

import os

from tests.common.env import TEST_ENV

os.environ.update(TEST_ENV)

_ORDER = ("tests/unit/", "tests/integration/", "tests/e2e/")


def pytest_collection_modifyitems(items: list) -> None:  # type: ignore[type-arg]
    """Unit, then integration, then end-to-end: the e2e stack (a session fixture) runs its own
    outbox relays and consumers, so it must not be alive while integration tests drive those
    tables and queues directly, or restart the broker."""

    def rank(item: object) -> int:
        path = str(getattr(item, "path", ""))
        return next((i for i, part in enumerate(_ORDER) if part in path), len(_ORDER))

    items.sort(key=rank)
