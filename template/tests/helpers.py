"""Helpers shared by the tests."""

import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.passwords import PasswordHasher
from app.core.permissions import Role
from app.users import service
from app.users.models import User
from app.users.schemas import UserRegister

PASSWORD = "correct-horse-9"


def assert_error(response: httpx.Response, status_code: int, error_code: str) -> dict[str, Any]:
    """Check that `response` is the error envelope with this status and code."""
    assert response.status_code == status_code, response.text
    body: dict[str, Any] = response.json()
    assert body["error_code"] == error_code, body
    assert body["status_code"] == status_code
    assert set(body) >= {"detail", "error_code", "status_code", "timestamp", "path", "request_id"}
    assert body["request_id"] == response.headers["x-request-id"]
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class UserFactory:
    """Create users straight through the service, and sign them in through the API."""

    def __init__(
        self, session: AsyncSession, hasher: PasswordHasher, client: httpx.AsyncClient
    ) -> None:
        self.session = session
        self.hasher = hasher
        self.client = client

    async def create(
        self, email: str, *, role: Role = Role.USER, password: str = PASSWORD, **fields: Any
    ) -> User:
        data = UserRegister(email=email, password=password, **fields)
        user = await service.create_user(self.session, self.hasher, data, role=role)
        await self.session.commit()
        return user

    async def login(self, email: str, password: str = PASSWORD) -> dict[str, Any]:
        response = await self.client.post(
            "/api/v1/auth/login", json={"email": email, "password": password}
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def headers(self, email: str, password: str = PASSWORD) -> dict[str, str]:
        return bearer((await self.login(email, password))["access_token"])


class Mailbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted"

    def last_to(self, address: str) -> EmailMessage:
        """The latest message sent to `address`."""
        for message in reversed(self.messages):
            if message["To"] == address:
                found: EmailMessage = message
                return found
        raise AssertionError(f"no email to {address} among {len(self.messages)} messages")

    def text_to(self, address: str) -> str:
        """The plain-text body of the latest message to `address`."""
        body = self.last_to(address).get_body(("plain",))
        assert body is not None
        text: str = body.get_content()
        return text

    def token_from(self, address: str, page: str) -> str:
        """The token of the `<page>?token=…` link in the latest message to `address`."""
        text = self.text_to(address)
        match = re.search(rf"/{page}\?token=([\w-]+)", text)
        assert match, text
        return match.group(1)
