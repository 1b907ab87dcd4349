"""A PostgreSQL cluster and a RabbitMQ node of the harness's own, in a temporary directory and
on ports of their own: the harness stops and starts them under load, which it could not do to
the machine's servers while anything else (a test suite, a developer's stack) uses them.

Both come from the machine's own installation (Debian's packages put the binaries under
/usr/lib/postgresql/<version>/bin and /usr/lib/rabbitmq/bin). Run as root, each server runs as
its package's system user, since PostgreSQL refuses to run as root."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path


class ServerError(RuntimeError):
    pass


def _as(user: str) -> list[str]:
    """The prefix that runs a command as ``user`` when we are root, else as ourselves."""
    return ["runuser", "-u", user, "--"] if os.geteuid() == 0 else []


def _run(argv: list[str], env: dict[str, str] | None = None, timeout: float = 60,
         cwd: str | None = None) -> str:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout,
                          cwd=cwd)
    if done.returncode != 0:
        raise ServerError(f"{' '.join(argv)} failed ({done.returncode}):\n"
                          f"{done.stdout}{done.stderr}")
    return done.stdout


def _binary(name: str, *candidates: Path) -> str:
    for path in candidates:
        if path.exists():
            return str(path)
    found = shutil.which(name)
    if found is None:
        raise ServerError(f"{name} not found (install the machine's package)")
    return found


def _pg_binary(name: str) -> str:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: p.parent.name)
    return _binary(name, *(bindir / name for bindir in reversed(versions)))


def _owned_dir(root: Path, name: str, user: str) -> Path:
    path = root / name
    path.mkdir()
    if os.geteuid() == 0:
        shutil.chown(path, user)
    return path


class PrivatePostgres:
    """A fresh cluster with trust auth on 127.0.0.1:``port``; ``dsn(db)`` reaches it."""

    USER = "postgres"

    def __init__(self, root: Path, port: int) -> None:
        self.pg_ctl, self.initdb = _pg_binary("pg_ctl"), _pg_binary("initdb")
        self.home = _owned_dir(root, "postgres", self.USER)
        self.data = self.home / "data"
        self.port = port

    def dsn(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create(self, database: str) -> None:
        _run([*_as(self.USER), self.initdb, "-D", str(self.data), "-U", "postgres",
              "--auth=trust", "-N"], cwd=str(self.home))
        self.start_command_run()
        _run(["psql", "-q", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d",
              "postgres", "-c", f'CREATE DATABASE "{database}"'])

    def start_command(self) -> list[str]:
        options = (f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1 "
                   "-c max_connections=200")
        return [*_as(self.USER), self.pg_ctl, "-D", str(self.data), "-l",
                str(self.home / "log"), "-w", "-o", options, "start"]

    def stop_command(self) -> list[str]:
        return [*_as(self.USER), self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop"]

    def start_command_run(self) -> None:
        _run(self.start_command(), cwd=str(self.home))

    def destroy(self) -> None:
        subprocess.run(self.stop_command(), capture_output=True, check=False, timeout=60,
                       cwd=str(self.home))


class PrivateRabbit:
    """A RabbitMQ node named ``rekomichaos@localhost`` with no plugins, listening for AMQP on
    ``port`` (and for Erlang distribution on ``port + 1``); its default vhost "/" is empty."""

    USER = "rabbitmq"

    def __init__(self, root: Path, port: int, node: str = "rekomichaos@localhost", *,
                 make_home: bool = True) -> None:
        bindir = Path("/usr/lib/rabbitmq/bin")
        self.server = _binary("rabbitmq-server", bindir / "rabbitmq-server")
        self.ctl_binary = _binary("rabbitmqctl", bindir / "rabbitmqctl")
        self.home = _owned_dir(root, "rabbitmq", self.USER) if make_home else root / "rabbitmq"
        self.port, self.node = port, node
        plugins = self.home / "enabled_plugins"
        if make_home:
            plugins.write_text("[].\n")
        # The system user's home holds the Erlang cookie the CLI must share with the node.
        cookie_home = Path("/var/lib/rabbitmq") if os.geteuid() == 0 else Path.home()
        self.env = {**os.environ, "HOME": str(cookie_home), "RABBITMQ_NODENAME": node,
                    "RABBITMQ_NODE_PORT": str(port), "RABBITMQ_DIST_PORT": str(port + 1),
                    "RABBITMQ_MNESIA_BASE": str(self.home / "mnesia"),
                    "RABBITMQ_LOG_BASE": str(self.home / "log"),
                    "RABBITMQ_ENABLED_PLUGINS_FILE": str(plugins),
                    "RABBITMQ_CONFIG_FILE": str(self.home / "rabbitmq")}

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def ctl(self, *args: str) -> list[str]:
        # runuser resets nothing but what it must; the node's settings travel in env=.
        return [*_as(self.USER), self.ctl_binary, "-n", self.node, *args]

    def run_ctl(self, *args: str, timeout: float = 60) -> str:
        return _run(self.ctl(*args), env=self.env, timeout=timeout, cwd=str(self.home))

    def create(self, timeout: float = 60) -> None:
        _run([*_as(self.USER), self.server, "-detached"], env=self.env, cwd=str(self.home))
        deadline = time.monotonic() + timeout
        while True:  # -detached returns before the node has registered with epmd
            try:
                self.run_ctl("await_startup", timeout=timeout)
                return
            except ServerError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)

    def destroy(self) -> None:
        subprocess.run(self.ctl("shutdown"), env=self.env, capture_output=True, check=False,
                       timeout=60, cwd=str(self.home))


PREFIX = "rekomi-chaos-"


class PrivateServers:
    """Both servers in one temporary directory, removed again by ``destroy``."""

    def __init__(self, pg_port: int, amqp_port: int, database: str) -> None:
        self.sweep()
        self.root = Path(tempfile.mkdtemp(prefix=PREFIX))
        os.chmod(self.root, 0o755)  # the servers' users must reach their directories
        self.database = database
        self.postgres = PrivatePostgres(self.root, pg_port)
        self.rabbit = PrivateRabbit(self.root, amqp_port)

    @property
    def dsn(self) -> str:
        return self.postgres.dsn(self.database)

    @staticmethod
    def sweep() -> None:
        """Stop and remove what an earlier run left when it was killed before ``destroy``:
        its servers would hold the ports and the node name."""
        for root in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
            data = root / "postgres" / "data"
            if (data / "postmaster.pid").exists():
                subprocess.run([*_as(PrivatePostgres.USER), _pg_binary("pg_ctl"), "-D",
                                str(data), "-m", "immediate", "-w", "stop"],
                               capture_output=True, check=False, timeout=60, cwd="/tmp")
            if (root / "rabbitmq").exists():
                PrivateRabbit(root, 0, "rekomichaos@localhost", make_home=False).destroy()
            shutil.rmtree(root, ignore_errors=True)

    def create(self) -> None:
        self.postgres.create(self.database)
        self.rabbit.create()

    def destroy(self) -> None:
        self.rabbit.destroy()
        self.postgres.destroy()
        shutil.rmtree(self.root, ignore_errors=True)
