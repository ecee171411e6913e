"""No account takeover: email changes, emailed links and sessions outlive nothing they should."""

from datetime import timedelta

import httpx
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.models import AuthSession
from app.core.audit import AuditEvent
from app.core.models import utcnow
from app.core.permissions import Role
from tests.helpers import PASSWORD, Mailbox, UserFactory, assert_error, bearer

ME = "/api/v1/users/me"
FORGOT = "/api/v1/auth/forgot-password"
RESET = "/api/v1/auth/reset-password"
VERIFY = "/api/v1/auth/verify-email"
REFRESH = "/api/v1/auth/refresh"


async def _events(db_session: AsyncSession, event: str) -> list[AuditEvent]:
    return list((await db_session.exec(select(AuditEvent).where(AuditEvent.event == event))).all())


async def test_v7_5_1_email_change_needs_the_current_password(
    client: httpx.AsyncClient, users: UserFactory, mailbox: Mailbox
) -> None:
    await users.create("owner@example.com")
    headers = await users.headers("owner@example.com")
    missing = await client.patch(ME, json={"email": "x@evil.example"}, headers=headers)
    assert_error(missing, 403, "CURRENT_PASSWORD_REQUIRED")
    wrong = await client.patch(
        ME, json={"email": "x@evil.example", "current_password": "not-it-123"}, headers=headers
    )
    assert_error(wrong, 403, "INVALID_CREDENTIALS")
    me = (await client.get(ME, headers=headers)).json()
    assert (me["email"], me["pending_email"]) == ("owner@example.com", None)
    assert mailbox.messages == []


async def test_v7_5_1_new_email_takes_effect_only_after_its_link(
    client: httpx.AsyncClient, users: UserFactory, mailbox: Mailbox, db_session: AsyncSession
) -> None:
    owner = await users.create("owner@example.com")
    owner.is_verified = True
    await db_session.commit()
    this = await users.login("owner@example.com")
    other = await users.login("owner@example.com")
    headers = bearer(this["access_token"])

    response = await client.patch(
        ME, json={"email": "New@Example.com", "current_password": PASSWORD}, headers=headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["email"], body["pending_email"]) == ("owner@example.com", "new@example.com")
    assert body["is_verified"] is True
    # Until the link is opened, the account (and its password resets) keep the old address.
    await client.post(FORGOT, json={"email": "new@example.com"})
    assert "Reset your" not in mailbox.last_to("new@example.com")["Subject"]
    assert_error(await client.get(ME, headers=bearer(other["access_token"])), 401, "TOKEN_REVOKED")

    token = mailbox.token_from("new@example.com", "verify-email")
    assert (await client.post(VERIFY, json={"token": token})).status_code == 204
    me = (await client.get(ME, headers=headers)).json()
    assert (me["email"], me["pending_email"], me["is_verified"]) == ("new@example.com", None, True)
    assert len(await _events(db_session, "email_change_requested")) == 1
    assert len(await _events(db_session, "email_changed")) == 1
    await users.login("new@example.com")


async def test_v6_3_7_old_address_is_told_of_an_email_change(
    client: httpx.AsyncClient, users: UserFactory, mailbox: Mailbox
) -> None:
    await users.create("owner@example.com")
    headers = await users.headers("owner@example.com")
    await client.patch(
        ME, json={"email": "new@example.com", "current_password": PASSWORD}, headers=headers
    )
    notice = mailbox.text_to("owner@example.com")
    assert "new@example.com" in notice
    assert "token=" not in notice


async def test_v6_3_8_email_change_to_a_taken_address_reveals_nothing(
    client: httpx.AsyncClient, users: UserFactory, mailbox: Mailbox
) -> None:
    await users.create("owner@example.com")
    await users.create("taken@example.com")
    headers = await users.headers("owner@example.com")
    response = await client.patch(
        ME, json={"email": "taken@example.com", "current_password": PASSWORD}, headers=headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["pending_email"] == "taken@example.com"
    notice = mailbox.text_to("taken@example.com")
    assert "already belongs to" in notice
    assert "verify-email?token=" not in notice


async def test_v7_5_1_own_email_by_id_needs_the_password_too(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    owner = await users.create("owner@example.com")
    headers = await users.headers("owner@example.com")
    for method in ("PATCH", "PUT"):
        response = await client.request(
            method, f"/api/v1/users/{owner.id}", json={"email": "x@evil.example"}, headers=headers
        )
        assert_error(response, 403, "CURRENT_PASSWORD_REQUIRED")


async def test_v7_4_2_admin_email_change_ends_sessions_and_tells_the_old_address(
    client: httpx.AsyncClient, users: UserFactory, mailbox: Mailbox
) -> None:
    target = await users.create("target@example.com")
    await users.create("root@example.com", role=Role.ADMIN)
    admin = await users.headers("root@example.com")
    victim = await users.headers("target@example.com")
    await client.post(FORGOT, json={"email": "target@example.com"})
    reset_token = mailbox.token_from("target@example.com", "reset-password")

    response = await client.patch(
        f"/api/v1/users/{target.id}", json={"email": "moved@example.com"}, headers=admin
    )
    assert response.status_code == 200, response.text
    assert response.json()["email"] == "moved@example.com"
    assert_error(await client.get(ME, headers=victim), 401, "TOKEN_REVOKED")
    assert "moved@example.com" in mailbox.text_to("target@example.com")
    reset = await client.post(RESET, json={"token": reset_token, "new_password": "taken-over-77"})
    assert_error(reset, 400, "TOKEN_INVALID")


async def test_v6_4_3_reset_token_dies_on_password_change(
    client: httpx.AsyncClient, users: UserFactory, mailbox: Mailbox
) -> None:
    await users.create("owner@example.com")
    headers = await users.headers("owner@example.com")
    await client.post(FORGOT, json={"email": "owner@example.com"})
    reset_token = mailbox.token_from("owner@example.com", "reset-password")
    changed = await client.post(
        f"{ME}/password",
        json={"current_password": PASSWORD, "new_password": "fresh-secret-42"},
        headers=headers,
    )
    assert changed.status_code == 204, changed.text
    reset = await client.post(RESET, json={"token": reset_token, "new_password": "taken-over-77"})
    assert_error(reset, 400, "TOKEN_INVALID")


async def test_v6_4_3_other_links_die_on_password_reset(
    client: httpx.AsyncClient, users: UserFactory, mailbox: Mailbox
) -> None:
    await users.create("owner@example.com")
    await client.post("/api/v1/auth/resend-verification", json={"email": "owner@example.com"})
    verify_token = mailbox.token_from("owner@example.com", "verify-email")
    await client.post(FORGOT, json={"email": "owner@example.com"})
    reset_token = mailbox.token_from("owner@example.com", "reset-password")
    reset = await client.post(RESET, json={"token": reset_token, "new_password": "fresh-secret-42"})
    assert reset.status_code == 204, reset.text
    assert_error(await client.post(VERIFY, json={"token": verify_token}), 400, "TOKEN_INVALID")


async def test_v6_4_3_reset_token_dies_on_email_change(
    client: httpx.AsyncClient, users: UserFactory, mailbox: Mailbox
) -> None:
    await users.create("owner@example.com")
    headers = await users.headers("owner@example.com")
    await client.post(FORGOT, json={"email": "owner@example.com"})
    reset_token = mailbox.token_from("owner@example.com", "reset-password")
    await client.patch(
        ME, json={"email": "new@example.com", "current_password": PASSWORD}, headers=headers
    )
    change_token = mailbox.token_from("new@example.com", "verify-email")
    assert (await client.post(VERIFY, json={"token": change_token})).status_code == 204
    reset = await client.post(RESET, json={"token": reset_token, "new_password": "taken-over-77"})
    assert_error(reset, 400, "TOKEN_INVALID")


async def test_v7_4_2_deactivation_revokes_every_session(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    target = await users.create("target@example.com")
    await users.create("root@example.com", role=Role.ADMIN)
    admin = await users.headers("root@example.com")
    pair = await users.login("target@example.com")
    url = f"/api/v1/users/{target.id}"
    assert (await client.patch(url, json={"is_active": False}, headers=admin)).status_code == 200
    assert (await client.patch(url, json={"is_active": True}, headers=admin)).status_code == 200
    stale = await client.get(ME, headers=bearer(pair["access_token"]))
    assert_error(stale, 401, "TOKEN_REVOKED")
    refresh = await client.post(REFRESH, json={"refresh_token": pair["refresh_token"]})
    assert_error(refresh, 401, "TOKEN_REVOKED")


async def test_v7_4_2_role_change_revokes_every_session(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    target = await users.create("target@example.com", role=Role.ADMIN)
    await users.create("root@example.com", role=Role.ADMIN)
    admin = await users.headers("root@example.com")
    pair = await users.login("target@example.com")
    demoted = await client.patch(f"/api/v1/users/{target.id}", json={"role": "user"}, headers=admin)
    assert demoted.status_code == 200, demoted.text
    assert_error(await client.get(ME, headers=bearer(pair["access_token"])), 401, "TOKEN_REVOKED")


async def test_v7_4_2_deletion_revokes_every_session(
    client: httpx.AsyncClient, users: UserFactory
) -> None:
    target = await users.create("target@example.com")
    await users.create("root@example.com", role=Role.ADMIN)
    admin = await users.headers("root@example.com")
    pair = await users.login("target@example.com")
    assert (await client.delete(f"/api/v1/users/{target.id}", headers=admin)).status_code == 204
    assert_error(await client.get(ME, headers=bearer(pair["access_token"])), 401, "TOKEN_REVOKED")
    refresh = await client.post(REFRESH, json={"refresh_token": pair["refresh_token"]})
    assert_error(refresh, 401, "TOKEN_INVALID")


async def test_v7_3_2_session_has_an_absolute_lifetime(
    client: httpx.AsyncClient, users: UserFactory, db_session: AsyncSession
) -> None:
    """Refreshing every few days never carries a session past SESSION_MAX_LIFETIME_DAYS (30)."""
    await users.create("owner@example.com")
    pair = await users.login("owner@example.com")
    auth_session = (await db_session.exec(select(AuthSession))).one()
    # Opened 29 days ago and refreshed ever since: one hour of its lifetime is left.
    auth_session.created_at = utcnow() - timedelta(days=29, hours=23)
    await db_session.commit()
    refreshed = await client.post(REFRESH, json={"refresh_token": pair["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text
    await db_session.refresh(auth_session)
    assert auth_session.expires_at <= auth_session.created_at + timedelta(days=30)
    assert auth_session.expires_at < utcnow() + timedelta(hours=1, minutes=1)

    auth_session.created_at = utcnow() - timedelta(days=31)
    auth_session.expires_at = utcnow() + timedelta(days=6)  # as a pre-fix rotation left it
    await db_session.commit()
    later = await client.post(REFRESH, json={"refresh_token": refreshed.json()["refresh_token"]})
    assert_error(later, 401, "TOKEN_EXPIRED")
