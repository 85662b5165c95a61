"""A real SMTP server (aiosmtpd) on loopback for tests: `smtp_server` fixture."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


class Recorder:
    """Keeps every message it accepts. Misbehaviours, all off unless a test sets them:

    - `refuse`: addresses whose RCPT gets 550;
    - `drop_after_data`: addresses whose message is received and kept, and then the connection
      closed before the reply to DATA, so the sender cannot know that it arrived;
    - `hold_after`: once that many messages have arrived, each further one is kept but its reply
      held until `release` is set (at most `hold_seconds`): a sender is then mid-send.
    """

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[Any] = []
        self.refuse: set[str] = set()
        self.drop_after_data: set[str] = set()
        self.hold_after: int | None = None
        self.hold_seconds = 120.0
        self.release = threading.Event()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.lower() in self.refuse:
            return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        msg = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        if self.drop_after_data & {a.lower() for a in envelope.rcpt_tos}:
            server.transport.close()  # the message is here; its sender never hears so
            return "250 Message accepted"
        if self.hold_after is not None and len(self.messages) > self.hold_after:
            await self._held()
        return "250 Message accepted"

    async def _held(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.hold_seconds
        while not self.release.is_set() and loop.time() < deadline:
            await asyncio.sleep(0.02)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def received(self) -> Counter[str]:
        """How many messages arrived for each envelope recipient (lower-cased)."""
        return Counter(a.lower() for e in self.envelopes for a in e.rcpt_tos)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield recorder, port
    finally:
        controller.stop()


@pytest.fixture
def smtp_config(smtp_server: tuple[Recorder, int]) -> dict[str, Any]:
    """Merge into app_config to send real SMTP to the loopback server."""
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server[1]}
