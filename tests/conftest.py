"""Test-wide set-up: point every setting at the test database, vhost and Redis db."""

from __future__ import annotations

import os

from tests.common.env import TEST_ENV

os.environ.update(TEST_ENV)
