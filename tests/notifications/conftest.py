"""A real SMTP server in the test process (aiosmtpd), and outbox helpers."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from marketplace.extensions import db
from marketplace.notifications.models import OutboxEmail


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Mailbox:
    """The aiosmtpd handler: keeps what it accepts; ``refuse`` makes it answer DATA (or
    RCPT, with ``refuse_at="RCPT"``) with that reply instead, e.g. "451 Try again later"."""

    messages: list[Message] = field(default_factory=list)
    refuse: str | None = None
    refuse_at: str = "DATA"
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse and self.refuse_at == "RCPT":
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse and self.refuse_at == "DATA":
            return self.refuse
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    @property
    def received(self) -> int:
        with self.lock:
            return len(self.messages)


@dataclass
class SmtpServer:
    host: str
    port: int
    mailbox: Mailbox


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, mailbox)
    finally:
        controller.stop()


@pytest.fixture
def mail_to(app, monkeypatch):
    """Point the app's mail settings at a server (or at a closed port)."""

    def _point(host: str, port: int) -> None:
        monkeypatch.setitem(app.config, "MAIL_SERVER", host)
        monkeypatch.setitem(app.config, "MAIL_PORT", port)
        monkeypatch.setitem(app.config, "MAIL_TIMEOUT_SECONDS", 5)

    return _point


def outbox() -> list[OutboxEmail]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id)))


# Dedicated apps with real commits (threads, after-response sending).
from tests.reliability.conftest import make_app  # noqa: E402, F401 - a fixture
