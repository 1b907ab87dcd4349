"""The settings every test run uses: its own database, RabbitMQ vhost, Redis db and ports, so
tests never touch what `make run` created; an isolated run's (several suites side by side on
one machine); and each pytest-xdist worker's, so workers never see each other's rows, queues,
keys or ports.

Ports: a test environment owns a block of 100 ports from B, where its gateway listens on B+80
and its services' health ports start at B+10. The second stacks some tests start sit in the
block too (``stack_ports``); the extra gateways started at gateway + 50..66 reach into the next
block's 30..46, which no block uses.

Run as ``python -m tests.common.env isolated NAME SLOT`` (the exports of
scripts/isolated-test-env.sh) or ``python -m tests.common.env databases|vhosts WORKERS`` (the
names a run of WORKERS workers uses, its own first: scripts/test-suite.sh drops and makes them).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

NEW_TEST_KEY = "test2:n359GtlOG-8Rg775gXx85H9r0t2662d_y0fm_-yU3VA="
OLD_TEST_KEY = "test1:FmvNX3no8oQht-xpneEfUAfIpS8CrorxwvqkezUcDr4="

TEST_ENV = {
    "REKOMI_ENV": "test",
    "REKOMI_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/rekomi_test",
    "REKOMI_AMQP_URL": "amqp://guest:guest@127.0.0.1:5672/rekomi_test",
    "REKOMI_REDIS_URL": "redis://127.0.0.1:6379/1",
    "REKOMI_NAMESPACE": "rekomitest",
    "REKOMI_GATEWAY_PORT": "18080",
    "REKOMI_OPS_BASE_PORT": "18010",
    "REKOMI_LOG_LEVEL": "WARNING",
    # Secrets at rest: test2 seals, test1 still opens (the rotation tests seal rows under test1
    # as if written before a rotation). Test keys only; production makes its own.
    "REKOMI_SECRETS_KEYS": f"{NEW_TEST_KEY},{OLD_TEST_KEY}",
}

GATEWAY_OFFSET, OPS_OFFSET = 80, 10
# Second stacks inside a block: (gateway, first health port) offsets. The launcher's own stack;
# the one with an extra webhooks replica (six health ports) and the broker-restart test's.
LAUNCHER_STACK = (20, 21)
REPLICAS_STACK = (70, 71)
RATE_LIMIT_REPLICAS = (90, 91)  # two extra gateways with a strict limit
# Worker k's block is its run's block + 1000 * (k + 1): the default run's workers start at
# 19000, an isolated run's (blocks 20100..20900) at 21100..21900, clear of each other.
WORKER_PORT_STRIDE = 1000
# Workers share one PostgreSQL (100 connections by default): a worker's stacks use pools of at
# most this many (the services' default, 10, let two workers reach 80 connections at peak).
WORKER_DB_POOL_MAX = "5"
# Redis databases 0-3 belong to `make run`, the serial test run, bench and chaos; workers take
# 4-15 (keys also carry the namespace, so two runs sharing one never collide).
WORKER_REDIS_DBS = range(4, 16)


def isolated_env(name: str, slot: int) -> dict[str, str]:
    """An isolated test environment: database and vhost ``rekomi_test_NAME``, port block
    20000 + 100 * SLOT (slots 1..9)."""
    block = 20000 + 100 * slot
    return {
        "REKOMI_TEST_ISOLATED": "1",
        "REKOMI_DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/rekomi_test_{name}",
        "REKOMI_AMQP_URL": f"amqp://guest:guest@127.0.0.1:5672/rekomi_test_{name}",
        "REKOMI_NAMESPACE": f"rekomitest{name}",
        "REKOMI_GATEWAY_PORT": str(block + GATEWAY_OFFSET),
        "REKOMI_OPS_BASE_PORT": str(block + OPS_OFFSET),
    }


def run_env(environ: Mapping[str, str]) -> dict[str, str]:
    """This run's settings: TEST_ENV, or with REKOMI_TEST_ISOLATED=1 the environment's values
    over it (an isolated run)."""
    if environ.get("REKOMI_TEST_ISOLATED") == "1":
        return {**TEST_ENV, **{name: environ[name] for name in TEST_ENV if name in environ}}
    return dict(TEST_ENV)


def worker_index(worker: str) -> int:
    """``gw3`` -> 3 (pytest-xdist names its workers gw0, gw1, ...)."""
    return int(worker.removeprefix("gw"))


def worker_env(env: Mapping[str, str], index: int) -> dict[str, str]:
    """Worker ``index``'s settings within a run whose settings are ``env``: database and vhost
    ``<run's>_gwN``, namespace ``<run's>gwN``, a Redis db and a port block of its own."""
    suffix = f"gw{index}"
    redis_db = WORKER_REDIS_DBS[index % len(WORKER_REDIS_DBS)]
    shift = WORKER_PORT_STRIDE * (index + 1)
    return {
        **env,
        "REKOMI_DATABASE_URL": f"{env['REKOMI_DATABASE_URL']}_{suffix}",
        "REKOMI_AMQP_URL": f"{env['REKOMI_AMQP_URL']}_{suffix}",
        "REKOMI_NAMESPACE": f"{env['REKOMI_NAMESPACE']}{suffix}",
        "REKOMI_REDIS_URL": f"{env['REKOMI_REDIS_URL'].rsplit('/', 1)[0]}/{redis_db}",
        "REKOMI_GATEWAY_PORT": str(int(env["REKOMI_GATEWAY_PORT"]) + shift),
        "REKOMI_OPS_BASE_PORT": str(int(env["REKOMI_OPS_BASE_PORT"]) + shift),
        "REKOMI_DB_POOL_MAX": WORKER_DB_POOL_MAX,
    }


def session_env(environ: Mapping[str, str]) -> dict[str, str]:
    """The settings this pytest process uses: the run's, or its xdist worker's."""
    env = run_env(environ)
    worker = environ.get("PYTEST_XDIST_WORKER")
    return worker_env(env, worker_index(worker)) if worker else env


def stack_ports(offsets: tuple[int, int]) -> dict[str, str]:
    """Gateway and health ports for a second stack at ``offsets`` in this process's block."""
    block = int(os.environ["REKOMI_GATEWAY_PORT"]) - GATEWAY_OFFSET
    return {"REKOMI_GATEWAY_PORT": str(block + offsets[0]),
            "REKOMI_OPS_BASE_PORT": str(block + offsets[1])}


def block_port(offset: int) -> int:
    """Port ``offset`` of this process's block."""
    return int(os.environ["REKOMI_GATEWAY_PORT"]) - GATEWAY_OFFSET + offset


def run_names(setting: str, workers: int) -> list[str]:
    """The last path segment (database or vhost) of ``setting`` for the run and each worker."""
    env = run_env(os.environ)
    envs = [env, *(worker_env(env, index) for index in range(workers))]
    return [e[setting].rsplit("/", 1)[1] for e in envs]


def main(args: list[str]) -> None:
    if args[:1] == ["isolated"] and len(args) == 3:
        for name, value in isolated_env(args[1], int(args[2])).items():
            print(f"export {name}={value}")
    elif args[:1] in (["databases"], ["vhosts"]) and len(args) == 2:
        setting = "REKOMI_DATABASE_URL" if args[0] == "databases" else "REKOMI_AMQP_URL"
        print(" ".join(run_names(setting, int(args[1]))))
    else:
        sys.exit("usage: python -m tests.common.env isolated NAME SLOT | databases WORKERS"
                 " | vhosts WORKERS")


if __name__ == "__main__":
    main(sys.argv[1:])
