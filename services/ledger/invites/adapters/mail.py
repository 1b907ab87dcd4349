"""Sending e-mail: a small interface and its SMTP implementation (aiosmtplib). Development and
tests point it at the local catcher (``adapters/mail_catcher.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol

import aiosmtplib

from libs.shared.settings import Settings
from services.ledger.invites.domain.mail import OutgoingMail


class MailError(Exception):
    """The message was not accepted; the worker retries it later."""


class Mailer(Protocol):
    async def send(self, mail: OutgoingMail) -> None:
        """Hand one message to the mail system, or raise ``MailError``."""


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    username: str = ""
    password: str = ""
    starttls: bool = False
    timeout: float = 10.0


def to_message(mail: OutgoingMail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(domain="rekomi.invalid")
    for name, value in mail.headers.items():
        message[name] = value
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    return message


class SmtpMailer:
    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    async def send(self, mail: OutgoingMail) -> None:
        c = self.config
        try:
            await aiosmtplib.send(
                to_message(mail, c.sender), hostname=c.host, port=c.port,
                username=c.username or None, password=c.password or None,
                start_tls=c.starttls, timeout=c.timeout)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise MailError(repr(exc)) from exc


def smtp_mailer(settings: Settings) -> SmtpMailer:
    return SmtpMailer(SmtpConfig(
        host=settings.smtp_host, port=settings.smtp_port, sender=settings.mail_from,
        username=settings.smtp_username, password=settings.smtp_password,
        starttls=settings.smtp_starttls, timeout=settings.smtp_timeout_seconds))
