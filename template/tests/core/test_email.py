"""The console sender, and SMTP failures that never reach the client."""

import logging
import socket

import pytest

from app.core.config import get_settings
from app.core.email import ConsoleEmailSender, Email, SmtpEmailSender, send_quietly

MESSAGE = Email(to="a@example.com", subject="Hello", text="plain body", html="<p>html</p>")


async def test_console_sender_logs_the_message(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="app.core.email"):
        await ConsoleEmailSender().send(MESSAGE)
    assert "a@example.com" in caplog.text
    assert "plain body" in caplog.text


async def test_a_failed_send_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as probe:  # a port with nothing listening
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings = get_settings().model_copy(update={"smtp_port": closed_port})
    with caplog.at_level(logging.ERROR, logger="app.core.email"):
        await send_quietly(SmtpEmailSender(settings), MESSAGE)
    assert "could not send the email 'Hello' to a@example.com" in caplog.text
    assert "plain body" not in caplog.text
