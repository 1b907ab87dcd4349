"""Test-wide set-up: point every setting at the test database, vhost and Redis db.

Settings in the environment are overridden, so tests never reach what `make run` uses, unless
REKOMI_TEST_ISOLATED=1 says they describe an isolated test environment (several suites side by
side; see scripts/isolated-test-env.sh)."""

from __future__ import annotations

import os

from tests.common.env import TEST_ENV

if os.environ.get("REKOMI_TEST_ISOLATED") == "1":
    for _name, _value in TEST_ENV.items():
        os.environ.setdefault(_name, _value)
else:
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
