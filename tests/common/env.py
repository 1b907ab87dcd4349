"""The settings every test run uses: its own database, RabbitMQ vhost, Redis db and ports, so
tests never touch what `make run` created."""

from __future__ import annotations

TEST_ENV = {
    "REKOMI_ENV": "test",
    "REKOMI_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/rekomi_test",
    "REKOMI_AMQP_URL": "amqp://guest:guest@127.0.0.1:5672/rekomi_test",
    "REKOMI_REDIS_URL": "redis://127.0.0.1:6379/1",
    "REKOMI_NAMESPACE": "rekomitest",
    "REKOMI_GATEWAY_PORT": "18080",
    "REKOMI_OPS_BASE_PORT": "19100",
    "REKOMI_LOG_LEVEL": "WARNING",
}
