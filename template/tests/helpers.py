"""Helpers shared by the tests."""

import dataclasses
import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import httpx
from fastapi import FastAPI
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.routing import BaseRoute

from app.core.config import Settings
from app.core.passwords import PasswordHasher
from app.core.permissions import Role
from app.main import create_app
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


# FastAPI analyses the routes of every router an app includes (their dependencies and
# models) on the app's first request: about 0.2 s an app under coverage. The module
# routers are the same objects in every app the tests build, so `build_app` gives a new
# app the included routers a former app analysed, wherever it includes them the same
# way (prefix, dependencies, limits: everything but the app).
_ANALYSED_INCLUDES: list[tuple[BaseRoute, Any]] = []
# An analysed route reads dependency overrides from the app that first included it,
# so every built app shares this one dict; the `app` fixture empties it after each test.
DEPENDENCY_OVERRIDES: dict[Any, Any] = {}


def build_app(settings: Settings) -> FastAPI:
    """`create_app(settings)`: a new app of its own (settings, services, middleware,
    error handlers, routes), whose module routers come already analysed."""
    app = create_app(settings)
    app.dependency_overrides = DEPENDENCY_OVERRIDES
    routes = app.router.routes
    for index, route in enumerate(routes):
        routes[index] = _analysed(route)
    return app


def _analysed(route: BaseRoute) -> BaseRoute:
    """The equal include a former app analysed, else `route`, kept for the next app."""
    context = getattr(route, "include_context", None)  # an included router, analysed lazily
    if not dataclasses.is_dataclass(context) or isinstance(context, type):
        return route  # anything else is the app's own, or FastAPI changed: analyse anew
    key = dataclasses.replace(context, dependency_overrides_provider=None)
    for known, known_key in _ANALYSED_INCLUDES:
        if type(known) is type(route) and known_key == key:
            return known
    _ANALYSED_INCLUDES.append((route, key))
    return route


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
