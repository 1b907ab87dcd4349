"""The local mail system: an SMTP server (aiosmtpd) that keeps what it receives in memory and,
optionally, writes each message to a folder as ``.eml``. Development points REKOMI_SMTP_* at it;
tests read what arrived and when.

    python -m services.ledger.invites.adapters.mail_catcher --port 1025 --folder var/mail
"""

from __future__ import annotations

import argparse
import email
import email.policy
import socket
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


@dataclass(frozen=True, slots=True)
class Caught:
    received_at: float  # time.monotonic() on arrival
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    def header(self, name: str) -> str:
        return str(self.message.get(name, ""))

    def body(self, subtype: str = "html") -> str:
        part = self.message.get_body(preferencelist=(subtype,))
        return "" if part is None else str(part.get_content())


class _Handler:
    def __init__(self, catcher: MailCatcher) -> None:
        self.catcher = catcher

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.catcher.keep(Caught(time.monotonic(), envelope.mail_from,
                                 list(envelope.rcpt_tos), message), envelope.content)
        return "250 OK"


class MailCatcher:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, folder: Path | None = None
                 ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.folder = folder
        self._lock = threading.Lock()
        self._messages: list[Caught] = []
        self._controller = Controller(_Handler(self), hostname=host, port=self.port)

    def start(self) -> None:
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def keep(self, caught: Caught, raw: bytes) -> None:
        with self._lock:
            self._messages.append(caught)
            count = len(self._messages)
        if self.folder is not None:
            (self.folder / f"{int(time.time() * 1000)}-{count:06d}.eml").write_bytes(raw)

    def messages(self, to: str | None = None) -> list[Caught]:
        with self._lock:
            found = list(self._messages)
        return [m for m in found if to is None or to in m.rcpt_tos]


def free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
    return port


def main() -> None:
    parser = argparse.ArgumentParser(description="Local SMTP catcher for Rekomi e-mail")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--folder", type=Path, default=Path("var/mail"))
    args = parser.parse_args()
    catcher = MailCatcher(args.host, args.port, args.folder)
    catcher.start()
    print(f"catching mail on {args.host}:{catcher.port} into {args.folder}/ (Ctrl-C stops)")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        catcher.stop()


if __name__ == "__main__":
    main()
