"""The Rekomi stack for benchmarks, isolated from ``make run`` and the tests: its own database,
RabbitMQ vhost, Redis db, namespace and ports. ``with RekomiStack() as stack: ...`` migrates,
starts ``rekomi run``, waits for every /readyz, and always stops it again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from bench import procs
from bench.common import (
    DEFAULT_GATEWAY_PORT,
    DEFAULT_OPS_BASE_PORT,
    RESULTS_DIR,
    ROOT,
    BenchError,
    BenchOptions,
)
from libs.shared.settings import SERVICES

VHOST = "rekomi_bench"
HOST = "127.0.0.1"

BENCH_ENV: dict[str, str] = {
    "REKOMI_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/rekomi_bench",
    "REKOMI_AMQP_URL": f"amqp://guest:guest@127.0.0.1:5672/{VHOST}",
    "REKOMI_NAMESPACE": "rekomibench",
    "REKOMI_REDIS_URL": "redis://127.0.0.1:6379/2",
    "REKOMI_GATEWAY_HOST": HOST,
    "REKOMI_OPS_HOST": HOST,
    "REKOMI_LOG_LEVEL": "WARNING",
    "REKOMI_RATE_LIMIT_PER_MINUTE": "100000000",
}


@dataclass(frozen=True, slots=True)
class Org:
    org_id: str
    api_key: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


@dataclass(frozen=True, slots=True)
class Seller:
    org: Org
    secret: str
    slug: str


# The commission of a seller's program, in percent.
SELLER_PERCENT = 20


def bench_env(overrides: dict[str, str] | None = None) -> dict[str, str]:
    """The caller's environment minus every REKOMI_ setting, plus the bench's settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REKOMI_")}
    return {**env, **BENCH_ENV, **(overrides or {})}


class RekomiStack:
    def __init__(self, *, gateway_port: int = DEFAULT_GATEWAY_PORT,
                 ops_base_port: int = DEFAULT_OPS_BASE_PORT,
                 overrides: dict[str, str] | None = None,
                 log_path: Path = RESULTS_DIR / "stack.log",
                 shared_servers: bool = True, keep_database: bool = False) -> None:
        self.gateway_port = gateway_port
        self.ops_base_port = ops_base_port
        self.env = bench_env({"REKOMI_GATEWAY_PORT": str(gateway_port),
                              "REKOMI_OPS_BASE_PORT": str(ops_base_port),
                              **(overrides or {})})
        self.log_path = log_path
        # False: the database and the broker are the caller's own, fresh and running (the fault
        # harness's), so there is nothing to reset or start.
        self.shared_servers = shared_servers
        # True: start on the database as it is (a scenario reusing its seeded data set; it uses
        # a database of its own, so the other scenarios' resets never drop it).
        self.keep_database = keep_database
        self.proc: subprocess.Popen[bytes] | None = None
        self.base_url = f"http://{HOST}:{gateway_port}"

    # ---- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        if self.shared_servers:
            self.reset()
            self._run(["bash", str(ROOT / "scripts" / "ensure-infra.sh"), self.vhost],
                      "ensure-infra", timeout=180)
        self.check_ports()
        self._run([sys.executable, "-m", "services.cli", "migrate"], "rekomi migrate")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            self.proc = procs.spawn([sys.executable, "-m", "services.cli", "run"], env=self.env,
                                    cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            for service, port in self.ports().items():
                procs.wait_http_ok(f"http://{HOST}:{port}/readyz", timeout=90,
                                   alive=self.alive, what=f"rekomi {service}")
        except BenchError as exc:
            raise BenchError(f"{exc}\n--- {self.log_path} ---\n{procs.tail(self.log_path)}"
                             ) from None

    @property
    def vhost(self) -> str:
        return self.env["REKOMI_AMQP_URL"].rsplit("/", 1)[-1] or VHOST

    def reset(self) -> None:
        """Each run starts from an empty database and vhost: durable queues left by an earlier
        scenario (e.g. the events of many imports) would otherwise be consumed during this
        one's measurement and skew it."""
        database = self.env["REKOMI_DATABASE_URL"].rsplit("/", 1)[-1]
        if not self.keep_database:
            self._run(["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c",
                       f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'],
                      "drop bench database")
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", self.vhost],
                       capture_output=True, check=False, timeout=60)

    def check_ports(self) -> None:
        """Fail early when something already listens where the bench stack would."""
        busy = [p for p in self.ports().values() if procs.port_in_use(HOST, p)]
        if busy:
            raise BenchError(f"port(s) {busy} already in use (another stack?); choose others "
                             "with --gateway-port / --ops-base-port")

    def stop(self) -> None:
        if self.proc is not None:
            procs.stop(self.proc, grace=20.0)
            self.proc = None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def __enter__(self) -> RekomiStack:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # ---- what scenarios need ---------------------------------------------------------------
    def ports(self) -> dict[str, int]:
        """Where each service answers /readyz (the gateway on its own port)."""
        return {name: self.gateway_port if name == "gateway" else self.ops_base_port + index
                for index, name in enumerate(SERVICES)}

    def service_pids(self) -> dict[str, int]:
        """The supervisor's children by service name (``python -m services.<name>``); with
        several replicas of a service, one of them (``replica_pids`` has them all)."""
        return {name: pids[0] for name, pids in self.replica_pids().items()}

    def replica_pids(self) -> dict[str, list[int]]:
        if self.proc is None:
            return {}
        from bench.cpu import processes

        found: dict[str, list[int]] = {}
        for pid, _, cmdline in processes():
            if _ppid(pid) != self.proc.pid:
                continue
            for name in SERVICES:
                if cmdline.endswith(f"-m services.{name}"):
                    found.setdefault(name, []).append(pid)
        return found

    def create_org(self, plan: str = "Pro") -> Org:
        handle = f"bench-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:6]}"
        out = self._run([sys.executable, "-m", "services.cli", "admin", "create-org",
                         "--name", "Bench", "--handle", handle, "--plan", plan,
                         "--status", "Active", "--json"], "rekomi admin create-org")
        data = json.loads(out.strip().splitlines()[-1])
        return Org(org_id=data["orgId"], api_key=data["apiKey"])

    def seller(self, name: str) -> Seller:
        """A fresh Pro org selling through S2S: its key, signing secret and the slug of an
        approved affiliate in a 20% auto-approving program."""
        handle = f"{name.lower().replace(' ', '-')}-{uuid.uuid4().hex[:8]}"
        out = self._run([sys.executable, "-m", "services.cli", "admin", "create-org", "--name",
                         name, "--handle", handle, "--plan", "Pro", "--status", "Active",
                         "--json"], "rekomi admin create-org")
        data = json.loads(out.strip().splitlines()[-1])
        org = Org(org_id=data["orgId"], api_key=data["apiKey"])
        program = self.request("POST", "/api/v1/programs", org, {
            "name": name, "defaultCommissionType": "Percentage",
            "defaultCommissionValue": SELLER_PERCENT, "autoApprove": True}, expect=201)
        affiliate = self.request("POST", "/api/v1/affiliates", org, {
            "programId": program["id"], "email": f"{handle}@example.com"}, expect=201)
        return Seller(org, data["signingSecret"], affiliate["links"][0]["slug"])

    def request(self, method: str, path: str, org: Org, body: Any = None,
                expect: int = 200) -> Any:
        payload = None if body is None else json.dumps(body).encode()
        headers = {**org.auth, "Content-Type": "application/json"}
        status, raw = procs.http(method, self.base_url + path, body=payload, headers=headers,
                                 timeout=10)
        if status != expect:
            raise BenchError(f"{method} {path}: expected {expect}, got {status}: {raw[:500]!r}")
        return json.loads(raw) if raw else None

    def _run(self, argv: list[str], what: str, timeout: float = 120) -> str:
        try:
            done = subprocess.run(argv, env=self.env, cwd=ROOT, capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            raise BenchError(f"{what} took longer than {timeout:.0f}s") from None
        if done.returncode != 0:
            raise BenchError(f"{what} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
        return done.stdout


def bench_stack(opts: BenchOptions, overrides: dict[str, str] | None = None) -> RekomiStack:
    """A scenario's stack on the ports the options name; fails early if they are taken."""
    stack = RekomiStack(gateway_port=opts.gateway_port, ops_base_port=opts.ops_base_port,
                        overrides=overrides)
    stack.check_ports()
    return stack


def _ppid(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat[stat.rindex(")") + 2:].split()[1])
