"""The local supervisor: Ctrl-C stops every service cleanly; a dying service is restarted."""

from __future__ import annotations

import os
import signal
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from libs.shared.settings import SERVICES
from tests.common.env import LAUNCHER_STACK, REPLICAS_STACK
from tests.common.stack import Stack, stack_at


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(p) for p in (task / "children").read_text().split()]
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def wait_gone(pids: list[int], seconds: float = 15) -> list[int]:
    deadline = time.monotonic() + seconds
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return [p for p in pids if alive(p)]


@pytest.fixture
def second_stack() -> Iterator[Stack]:
    import asyncio
    stack = stack_at(LAUNCHER_STACK)
    asyncio.run(stack.start())
    yield stack
    stack.stop()


def test_interrupt_stops_every_service_cleanly(second_stack: Stack) -> None:
    assert second_stack.proc is not None
    services = children(second_stack.proc.pid)
    assert len(services) == len(SERVICES)
    os.killpg(second_stack.proc.pid, signal.SIGINT)
    assert second_stack.proc.wait(20) == 0
    assert wait_gone(services) == []


def test_background_services_run_at_a_lower_cpu_priority(second_stack: Stack) -> None:
    assert second_stack.proc is not None
    own = os.getpriority(os.PRIO_PROCESS, second_stack.proc.pid)
    niceness = {}
    for pid in children(second_stack.proc.pid):
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        service = argv[argv.index(b"-m") + 1].decode().removeprefix("services.")
        niceness[service] = os.getpriority(os.PRIO_PROCESS, pid) - own
    assert niceness == {"gateway": 0, "tracking": 0, "ledger": 10, "payouts": 10,
                        "webhooks": 10}


def service_pids(stack_pid: int) -> dict[str, int]:
    pids = {}
    for pid in children(stack_pid):
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        if b"-m" in argv:  # a child between fork and exec still shows the supervisor's argv
            pids[argv[argv.index(b"-m") + 1].decode().removeprefix("services.")] = pid
    return pids


def test_a_dying_service_is_restarted_while_the_others_keep_running(
        second_stack: Stack) -> None:
    assert second_stack.proc is not None
    before = service_pids(second_stack.proc.pid)
    os.kill(before["tracking"], signal.SIGKILL)
    deadline = time.monotonic() + 20
    after = before
    while time.monotonic() < deadline:
        after = service_pids(second_stack.proc.pid)
        if after.get("tracking") not in (None, before["tracking"]):
            break
        time.sleep(0.1)
    assert second_stack.proc.poll() is None  # the supervisor did not stop the stack
    assert after["tracking"] != before["tracking"]
    assert {k: v for k, v in after.items() if k != "tracking"} == {
        k: v for k, v in before.items() if k != "tracking"}
    url = f"http://127.0.0.1:{second_stack.settings.ops_port('tracking')}/readyz"
    while time.monotonic() < deadline and not ready(url):
        time.sleep(0.2)
    assert ready(url)


def ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def test_extra_webhooks_replicas_start_ready_and_stop() -> None:
    """``REKOMI_WEBHOOKS_REPLICAS=2``: two webhooks processes, the second on its own health
    port after the last service's, both stopped with the rest."""
    import asyncio
    import urllib.request
    replicas = stack_at(REPLICAS_STACK, {"REKOMI_WEBHOOKS_REPLICAS": "2"})
    settings = replicas.settings
    asyncio.run(replicas.start())
    try:
        assert replicas.proc is not None
        services = children(replicas.proc.pid)
        assert len(services) == len(SERVICES) + 1
        port = settings.replica_ops_port(1)
        assert port == settings.ops_base_port + len(SERVICES)
        # The stack waits for one replica of each service; the second comes up on its own
        # time (a busy machine took longer than the others' readiness).
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz",
                                            timeout=5) as response:
                    assert response.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        os.killpg(replicas.proc.pid, signal.SIGINT)
        assert replicas.proc.wait(20) == 0
        assert wait_gone(services) == []
    finally:
        replicas.stop()
