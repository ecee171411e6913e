"""Sending email: a sender protocol, a console sender for development, SMTP for real.

Messages are rendered from small templates (plain text and HTML) that live next
to the code that sends them.
"""

import html
import logging
from dataclasses import dataclass
from email.message import EmailMessage
from functools import lru_cache
from pathlib import Path
from string import Template
from typing import Protocol

import aiosmtplib

from app.core.config import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Email:
    to: str
    subject: str
    text: str
    html: str
    # Shown only by the console sender: how a developer acts on the message
    # without the frontend its links point at (a `curl` of the API).
    console_note: str = ""


class EmailSender(Protocol):
    async def send(self, email: Email) -> None: ...


class ConsoleEmailSender:
    """Logs every message instead of sending it: for development and tests."""

    async def send(self, email: Email) -> None:
        # Its own lines: the log's context keys follow the message on its last line,
        # and must not end up on a command meant to be copied.
        note = f"\n{email.console_note}\n" if email.console_note else ""
        logger.info("email to %s: %s\n%s%s", email.to, email.subject, email.text, note)


class SmtpEmailSender:
    """Sends through an SMTP server, with STARTTLS or implicit TLS as configured."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    async def send(self, email: Email) -> None:
        s = self._settings
        message = EmailMessage()
        message["From"] = s.email_from
        message["To"] = email.to
        message["Subject"] = email.subject
        message.set_content(email.text)
        message.add_alternative(email.html, subtype="html")
        await aiosmtplib.send(
            message,
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_user,
            password=s.smtp_password.get_secret_value() if s.smtp_password else None,
            use_tls=s.smtp_ssl,
            start_tls=s.smtp_starttls and not s.smtp_ssl,
            timeout=s.smtp_timeout_seconds,
        )


def create_email_sender(settings: Settings) -> EmailSender:
    if settings.email_backend == "smtp":
        return SmtpEmailSender(settings)
    return ConsoleEmailSender()


def render_email(folder: Path, name: str, *, to: str, subject: str, **values: str) -> Email:
    """Fill `<name>.txt` and `<name>.html` in `folder` with `values` (`$key` placeholders).

    Values are HTML-escaped for the HTML part.
    """
    text = _template(folder / f"{name}.txt").substitute(values)
    escaped = {key: html.escape(value) for key, value in values.items()}
    body = _template(folder / f"{name}.html").substitute(escaped)
    return Email(to=to, subject=subject, text=text, html=body)


@lru_cache
def _template(path: Path) -> Template:
    # Read once: no file I/O on the event loop after the first message.
    return Template(path.read_text())


async def send_quietly(sender: EmailSender, email: Email) -> None:
    """Send in the background: a failure is logged (without the body), never raised."""
    try:
        await sender.send(email)
    except Exception:
        logger.exception("could not send the email %r to %s", email.subject, email.to)
