"""The local supervisor: one process per service; Ctrl-C (or SIGTERM) stops them all cleanly.

A service that dies is restarted (logged, with a doubling delay: ``services/restart_policy.py``)
while the others keep running, as a process supervisor would. One that crashes too often in a
short time stops the whole stack, so a broken setup never looks healthy.
"""

from __future__ import annotations

import functools
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

from libs.shared.settings import BACKGROUND_SERVICES, SERVICES, get_settings
from services.restart_policy import RestartPolicy


def start(service: str, **env: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-m", f"services.{service}"],
                            env={**os.environ, **env})
    nice = get_settings().background_nice
    if service in BACKGROUND_SERVICES and nice > 0:
        try:
            os.setpriority(os.PRIO_PROCESS, proc.pid, os.getpriority(os.PRIO_PROCESS, 0) + nice)
        except OSError as exc:  # a priority is an optimisation; the stack runs without it
            print(f"rekomi: could not lower {service}'s priority: {exc}", file=sys.stderr)
    return proc


def extra_replicas() -> dict[str, tuple[str, int]]:
    """Process name -> (service, health port) of the replicas beyond one per service."""
    settings = get_settings()
    return {f"webhooks-{n + 1}": ("webhooks", settings.replica_ops_port(n))
            for n in range(1, max(1, settings.webhooks_replicas))}


def start_mail_catcher() -> subprocess.Popen[bytes] | None:
    """In development, invite e-mail goes to a local SMTP catcher (files under .run/mail)
    unless something already listens on the configured SMTP port."""
    settings = get_settings()
    if settings.env != "development" or settings.smtp_host not in ("127.0.0.1", "localhost"):
        return None
    with socket.socket() as probe:
        if probe.connect_ex((settings.smtp_host, settings.smtp_port)) == 0:
            return None
    return subprocess.Popen([sys.executable, "-m", "services.ledger.invites.adapters.mail_catcher",
                             "--host", settings.smtp_host, "--port", str(settings.smtp_port),
                             "--folder", ".run/mail"], env=os.environ.copy(),
                            stdout=subprocess.DEVNULL)


def start_dev_issuer() -> subprocess.Popen[bytes] | None:
    """In development, with no issuer configured, the local dev issuer whose tokens
    ``rekomi admin dev-token`` prints (services/gateway/entrypoints/dev_issuer.py), unless
    something already listens on its port."""
    from services.gateway.service_layer.token_verifier import dev_issuer_url, issuer_of

    settings = get_settings()
    url = dev_issuer_url(settings)
    if settings.env != "development" or issuer_of(settings) != url:
        return None
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", int(url.rsplit(":", 1)[1]))) == 0:
            return None
    return subprocess.Popen([sys.executable, "-m", "services.gateway.entrypoints.dev_issuer"],
                            env=os.environ.copy(), stdout=subprocess.DEVNULL)


def stop_all(procs: dict[str, subprocess.Popen[bytes]], grace: float = 10.0) -> None:
    for proc in procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for proc in procs.values():
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _ready_urls() -> list[str]:
    settings = get_settings()
    return [f"http://127.0.0.1:{settings.gateway_port}/readyz"] + [
        f"http://127.0.0.1:{settings.ops_port(name)}/readyz" for name in SERVICES[1:]] + [
        f"http://127.0.0.1:{port}/readyz" for _, port in extra_replicas().values()]


@dataclass
class Supervised:
    """One supervised process and how to start it again."""

    name: str
    launch: Callable[[], subprocess.Popen[bytes]]
    proc: subprocess.Popen[bytes]
    up_since: float
    policy: RestartPolicy = field(default_factory=RestartPolicy)
    restart_at: float | None = None

    def check(self, now: float) -> bool:
        """Restart the process if it died and its delay has passed; False to give up."""
        if self.restart_at is not None:
            if now >= self.restart_at:
                self.proc, self.up_since, self.restart_at = self.launch(), now, None
                print(f"rekomi: {self.name} restarted (pid {self.proc.pid})", file=sys.stderr)
            return True
        if self.proc.poll() is None:
            return True
        delay = self.policy.after_crash(now, self.up_since)
        if delay is None:
            print(f"rekomi: {self.name} exited with {self.proc.returncode} and keeps crashing; "
                  "stopping", file=sys.stderr)
            return False
        print(f"rekomi: {self.name} exited with {self.proc.returncode}; restarting in "
              f"{delay:g} s", file=sys.stderr)
        self.restart_at = now + delay
        return True


def _supervised() -> list[Supervised]:
    now = time.monotonic()
    specs: dict[str, Callable[[], subprocess.Popen[bytes]]] = {
        name: functools.partial(start, name) for name in SERVICES}
    for name, (service, port) in extra_replicas().items():
        specs[name] = functools.partial(start, service, REKOMI_OPS_PORT_OVERRIDE=str(port))
    running = [Supervised(name, launch, launch(), now) for name, launch in specs.items()]
    for name, helper in (("mail-catcher", start_mail_catcher), ("dev-issuer", start_dev_issuer)):
        if (proc := helper()) is not None:
            running.append(Supervised(name, functools.partial(_restart_helper, helper), proc,
                                      now))
    return running


def _restart_helper(helper: Callable[[], subprocess.Popen[bytes] | None]
                    ) -> subprocess.Popen[bytes]:
    proc = helper()
    if proc is None:  # something else took its port meanwhile: a placeholder that exits
        return subprocess.Popen([sys.executable, "-c", "pass"])
    return proc


def run_all() -> int:
    supervised = _supervised()
    stopping = False
    waiting = _ready_urls()

    def on_signal(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    code = 0
    while not stopping:
        now = time.monotonic()
        if not all(one.check(now) for one in supervised):
            stopping, code = True, 1
        if waiting and all(_ready(url) for url in waiting):
            waiting = []
            print(f"rekomi: all {len(SERVICES)} services ready; gateway on "
                  f"http://127.0.0.1:{get_settings().gateway_port}", file=sys.stderr)
        time.sleep(0.2)
    stop_all({one.name: one.proc for one in supervised})
    return code
