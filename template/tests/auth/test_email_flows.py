"""Email verification and password reset, with the messages read from a real SMTP server."""

import httpx

from tests.helpers import PASSWORD, Mailbox, UserFactory, assert_error, bearer

VERIFY = "/api/v1/auth/verify-email"
RESEND = "/api/v1/auth/resend-verification"
FORGOT = "/api/v1/auth/forgot-password"
RESET = "/api/v1/auth/reset-password"


async def test_register_sends_a_link_that_verifies_once(
    client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    response = await client.post(
        "/api/v1/auth/register", json={"email": "new@example.com", "password": PASSWORD}
    )
    assert response.json()["user"]["is_verified"] is False
    message = mailbox.last_to("new@example.com")
    assert message["Subject"].startswith("Confirm your email")
    html = message.get_body(("html",))
    assert html is not None
    assert "http://localhost:3000/verify-email?token=" in html.get_content()

    token = mailbox.token_from("new@example.com", "verify-email")
    assert (await client.post(VERIFY, json={"token": token})).status_code == 204
    assert_error(await client.post(VERIFY, json={"token": token}), 400, "TOKEN_INVALID")
    me = await client.get("/api/v1/users/me", headers=bearer(response.json()["access_token"]))
    assert me.json()["is_verified"] is True


async def test_resend_verification_replaces_the_old_link(
    client: httpx.AsyncClient, users: UserFactory, mailbox: Mailbox
) -> None:
    await users.create("late@example.com")
    assert (await client.post(RESEND, json={"email": "late@example.com"})).status_code == 202
    first = mailbox.token_from("late@example.com", "verify-email")
    assert (await client.post(RESEND, json={"email": "LATE@example.com"})).status_code == 202
    second = mailbox.token_from("late@example.com", "verify-email")
    assert_error(await client.post(VERIFY, json={"token": first}), 400, "TOKEN_INVALID")
    assert (await client.post(VERIFY, json={"token": second})).status_code == 204


async def test_v6_3_8_unknown_or_verified_addresses_get_202_and_no_mail(
    client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    for url in (RESEND, FORGOT):
        response = await client.post(url, json={"email": "nobody@example.com"})
        assert response.status_code == 202
        assert set(response.json()) == {"detail"}
        assert response.json()["detail"].startswith("If the address has")
    assert mailbox.messages == []


async def test_v7_4_3_reset_link_works_once_and_ends_every_session(
    client: httpx.AsyncClient, users: UserFactory, mailbox: Mailbox
) -> None:
    await users.create("forgetful@example.com")
    old_session = await users.login("forgetful@example.com")
    assert (await client.post(FORGOT, json={"email": "forgetful@example.com"})).status_code == 202
    message = mailbox.last_to("forgetful@example.com")
    assert "Reset your" in message["Subject"]
    token = mailbox.token_from("forgetful@example.com", "reset-password")

    reset = await client.post(RESET, json={"token": token, "new_password": "brand-new-pass-7"})
    assert reset.status_code == 204, reset.text
    again = await client.post(RESET, json={"token": token, "new_password": "other-pass-8"})
    assert_error(again, 400, "TOKEN_INVALID")

    stale = await client.get("/api/v1/auth/me", headers=bearer(old_session["access_token"]))
    assert_error(stale, 401, "TOKEN_REVOKED")
    old_password = await client.post(
        "/api/v1/auth/login", json={"email": "forgetful@example.com", "password": PASSWORD}
    )
    assert_error(old_password, 401, "INVALID_CREDENTIALS")
    await users.login("forgetful@example.com", "brand-new-pass-7")


async def test_reset_checks_the_new_password(
    client: httpx.AsyncClient, users: UserFactory, mailbox: Mailbox
) -> None:
    await users.create("r2d2@example.com")
    await client.post(FORGOT, json={"email": "r2d2@example.com"})
    token = mailbox.token_from("r2d2@example.com", "reset-password")
    weak = await client.post(RESET, json={"token": token, "new_password": "short"})
    assert_error(weak, 422, "WEAK_PASSWORD")
    same = await client.post(RESET, json={"token": token, "new_password": "R2D2@example.com"})
    assert_error(same, 422, "WEAK_PASSWORD")
    bogus = await client.post(RESET, json={"token": "bogus", "new_password": "fine-pass-1"})
    assert_error(bogus, 400, "TOKEN_INVALID")
