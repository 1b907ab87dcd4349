"""The local supervisor: one process per service; Ctrl-C (or SIGTERM) stops them all cleanly.

If one service dies, the others are stopped too, so a broken stack never looks healthy.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from libs.shared.settings import BACKGROUND_SERVICES, SERVICES, get_settings


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


def run_all() -> int:
    procs = {name: start(name) for name in SERVICES}
    for name, (service, port) in extra_replicas().items():
        procs[name] = start(service, REKOMI_OPS_PORT_OVERRIDE=str(port))
    if (catcher := start_mail_catcher()) is not None:
        procs["mail-catcher"] = catcher
    stopping = False
    waiting = _ready_urls()

    def on_signal(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    code = 0
    while not stopping:
        for name, proc in procs.items():
            if proc.poll() is not None:
                print(f"rekomi: {name} exited with {proc.returncode}; stopping", file=sys.stderr)
                stopping, code = True, 1
        if waiting and all(_ready(url) for url in waiting):
            waiting = []
            print(f"rekomi: all {len(SERVICES)} services ready; gateway on "
                  f"http://127.0.0.1:{get_settings().gateway_port}", file=sys.stderr)
        time.sleep(0.2)
    stop_all(procs)
    return code
