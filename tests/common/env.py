"""The settings every test run uses: its own database, RabbitMQ vhost, Redis db and ports, so
tests never touch what `make run` created."""

from __future__ import annotations

NEW_TEST_KEY = "test2:n359GtlOG-8Rg775gXx85H9r0t2662d_y0fm_-yU3VA="
OLD_TEST_KEY = "test1:FmvNX3no8oQht-xpneEfUAfIpS8CrorxwvqkezUcDr4="

TEST_ENV = {
    "REKOMI_ENV": "test",
    "REKOMI_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/rekomi_test",
    "REKOMI_AMQP_URL": "amqp://guest:guest@127.0.0.1:5672/rekomi_test",
    "REKOMI_REDIS_URL": "redis://127.0.0.1:6379/1",
    "REKOMI_NAMESPACE": "rekomitest",
    "REKOMI_GATEWAY_PORT": "18080",
    "REKOMI_OPS_BASE_PORT": "19100",
    "REKOMI_LOG_LEVEL": "WARNING",
    # Secrets at rest: test2 seals, test1 still opens (the rotation tests seal rows under test1
    # as if written before a rotation). Test keys only; production makes its own.
    "REKOMI_SECRETS_KEYS": f"{NEW_TEST_KEY},{OLD_TEST_KEY}",
}
