"""With EMAIL_VERIFICATION_REQUIRED (the production default), sign-in waits for the
emailed link, and registration reveals nothing about which emails have accounts."""

from contextlib import AbstractAsyncContextManager

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.types import Message, Receive, Scope, Send

from app.core.config import Settings, get_settings
from app.core.passwords import PasswordHasher
from app.core.services import services_of
from tests.helpers import PASSWORD, Mailbox, UserFactory, assert_error

REGISTER = "/api/v1/auth/register"


@pytest.fixture
def settings() -> Settings:
    return get_settings().model_copy(update={"email_verification_required": True})


class CountingHasher(PasswordHasher):
    """The real hasher, counting its hashes: the work register does, seen from outside."""

    hashed = 0

    async def hash(self, password: str) -> str:
        self.hashed += 1
        return await super().hash(password)


async def test_sign_in_waits_for_verification(client: httpx.AsyncClient, mailbox: Mailbox) -> None:
    registered = await client.post(
        REGISTER, json={"email": "careful@example.com", "password": PASSWORD}
    )
    assert registered.status_code == 202, registered.text
    assert set(registered.json()) == {"detail"}  # no tokens before the email is confirmed
    credentials = {"email": "careful@example.com", "password": PASSWORD}
    refused = await client.post("/api/v1/auth/login", json=credentials)
    assert_error(refused, 403, "EMAIL_NOT_VERIFIED")

    token = mailbox.token_from("careful@example.com", "verify-email")
    assert (
        await client.post("/api/v1/auth/verify-email", json={"token": token})
    ).status_code == 204
    assert (await client.post("/api/v1/auth/login", json=credentials)).status_code == 200


async def test_v6_3_8_register_answers_the_same_for_a_taken_email(
    app: FastAPI, client: httpx.AsyncClient, users: UserFactory, mailbox: Mailbox
) -> None:
    await users.create("taken@example.com")
    hasher = CountingHasher(get_settings())
    services_of(app).password_hasher = hasher
    answers = []
    for email in ("new@example.com", "Taken@Example.com"):
        before = hasher.hashed
        response = await client.post(REGISTER, json={"email": email, "password": PASSWORD})
        answers.append((response.status_code, response.json(), hasher.hashed - before))
    assert answers[0] == answers[1]
    assert answers[0][0] == 202
    assert answers[0][2] == 1, "a taken email costs the same hash as a new one"
    assert "verify-email?token=" in mailbox.text_to("new@example.com")
    notice = mailbox.text_to("taken@example.com")
    assert "already belongs to" in notice
    assert "token=" not in notice


async def test_v6_3_8_forgot_password_looks_the_address_up_after_answering(
    app: FastAPI, users: UserFactory, mailbox: Mailbox
) -> None:
    """No database work before the answer: its timing cannot tell accounts apart."""
    await users.create("owner@example.com")
    events: list[str] = []
    database = services_of(app).database
    factory = database.session_factory

    def recording_factory() -> AbstractAsyncContextManager[AsyncSession]:
        events.append("database")
        session: AbstractAsyncContextManager[AsyncSession] = factory()
        return session

    async def recording_app(scope: Scope, receive: Receive, send: Send) -> None:
        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                events.append("answer")
            await send(message)

        await app(scope, receive, recording_send)

    database.session_factory = recording_factory
    transport = httpx.ASGITransport(app=recording_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for email in ("owner@example.com", "nobody@example.com"):
            events.clear()
            response = await client.post("/api/v1/auth/forgot-password", json={"email": email})
            assert response.status_code == 202
            assert events == ["answer", "database"], email
    assert "reset-password?token=" in mailbox.text_to("owner@example.com")
    assert len(mailbox.messages) == 1
