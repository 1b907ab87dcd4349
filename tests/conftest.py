"""Test-wide set-up: point every setting at the test database, vhost and Redis db.

Settings in the environment are overridden, so tests never reach what `make run` uses, unless
REKOMI_TEST_ISOLATED=1 says they describe an isolated test environment (several suites side by
side; see scripts/isolated-test-env.sh). Under pytest-xdist each worker (PYTEST_XDIST_WORKER)
takes a database, vhost, namespace, Redis db and ports of its own (tests/common/env.py). This
runs before anything reads the settings: the workers import this file before collecting."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

from tests.common.env import session_env

os.environ.update(session_env(os.environ))

# Property-based tests: a bounded number of examples keeps the suite fast; HYPOTHESIS_PROFILE=
# thorough explores more. No example database is written into the tree.
settings.register_profile("rekomi", max_examples=40, deadline=None, database=None)
settings.register_profile("thorough", max_examples=1000, deadline=None, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "rekomi"))

_ORDER = ("tests/unit/", "tests/integration/", "tests/e2e/")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Unit, then integration, then end-to-end: the e2e stack (a session fixture) runs its own
    outbox relays and consumers, so it must not be alive while integration tests drive those
    tables and queues directly, or restart the broker. Under xdist each worker still runs its
    tests in this order: the load scheduler hands out items from the front of this list."""

    def rank(item: pytest.Item) -> tuple[int, bool]:
        path = str(getattr(item, "path", ""))
        group = next((i for i, part in enumerate(_ORDER) if part in path), len(_ORDER))
        # A broker restart drops every connection on the machine; the stacks recover, but
        # the tests right after one would meet the reconnection window. Run them last.
        return group, item.get_closest_marker("broker_restart") is not None

    items.sort(key=rank)
