"""Every audit event, triggered through the API, and the admin endpoint that lists them."""

from typing import Any

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core import audit
from app.core.audit import AuditAction
from app.core.context import RequestContext
from app.core.permissions import Role
from tests.helpers import PASSWORD, Mailbox, UserFactory, assert_error, bearer

AUDIT = "/api/v1/audit-events"


@pytest.fixture
async def admin(users: UserFactory) -> dict[str, str]:
    await users.create("root@example.com", role=Role.ADMIN)
    return await users.headers("root@example.com")


async def events(client: httpx.AsyncClient, admin: dict[str, str], **params: Any) -> list[Any]:
    response = await client.get(AUDIT, params={"size": 100, **params}, headers=admin)
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return items


async def names(client: httpx.AsyncClient, admin: dict[str, str], **params: Any) -> list[str]:
    return [event["event"] for event in await events(client, admin, **params)]


async def test_v16_3_1_sign_in_events(
    client: httpx.AsyncClient, users: UserFactory, admin: dict[str, str]
) -> None:
    user = await users.create("sam@example.com")
    for _ in range(5):
        await client.post(
            "/api/v1/auth/login", json={"email": "sam@example.com", "password": "wrong-pass-1"}
        )
    failed = await events(client, admin, event="login_failed", target_id=str(user.id))
    assert len(failed) == 5
    assert failed[0]["details"] == {"email": "sam@example.com"}
    assert failed[0]["ip_address"] == "127.0.0.1"
    assert failed[0]["user_agent"].startswith("python-httpx")
    assert failed[0]["request_id"]
    assert await names(client, admin, event="account_locked") == ["account_locked"]
    await client.post(f"/api/v1/users/{user.id}/unlock", headers=admin)
    assert await names(client, admin, event="account_unlocked") == ["account_unlocked"]
    await users.login("sam@example.com")
    assert await names(client, admin, actor_id=str(user.id)) == ["login_succeeded"]


async def test_v16_3_3_session_events(
    client: httpx.AsyncClient, users: UserFactory, admin: dict[str, str]
) -> None:
    user = await users.create("sam@example.com")
    first = await users.login("sam@example.com")
    second = await users.login("sam@example.com")
    third = await users.login("sam@example.com")
    sessions = await client.get("/api/v1/auth/sessions", headers=bearer(third["access_token"]))
    other = next(s["id"] for s in sessions.json() if not s["current"])
    await client.delete(f"/api/v1/auth/sessions/{other}", headers=bearer(third["access_token"]))
    await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    await client.post("/api/v1/auth/revoke", json={"token": second["refresh_token"]})
    await client.post("/api/v1/auth/logout", headers=bearer(third["access_token"]))
    fourth = await users.login("sam@example.com")
    await client.post("/api/v1/auth/logout-all", headers=bearer(fourth["access_token"]))
    about_user = await names(client, admin, target_id=str(user.id))
    by_user = await names(client, admin, actor_id=str(user.id))
    assert "refresh_token_reused" in about_user
    assert "session_revoked" in about_user + by_user
    assert {"logout", "logout_all"} <= set(by_user)


async def test_v16_3_3_account_events(
    client: httpx.AsyncClient, users: UserFactory, admin: dict[str, str], mailbox: Mailbox
) -> None:
    registered = await client.post(
        "/api/v1/auth/register", json={"email": "new@example.com", "password": PASSWORD}
    )
    user_id = registered.json()["user"]["id"]
    token = mailbox.token_from("new@example.com", "verify-email")
    await client.post("/api/v1/auth/verify-email", json={"token": token})
    headers = bearer(registered.json()["access_token"])
    await client.post(
        "/api/v1/users/me/password",
        json={"current_password": PASSWORD, "new_password": "changed-pass-2"},
        headers=headers,
    )
    await client.post("/api/v1/auth/forgot-password", json={"email": "new@example.com"})
    reset_token = mailbox.token_from("new@example.com", "reset-password")
    await client.post(
        "/api/v1/auth/reset-password", json={"token": reset_token, "new_password": "reset-pass-3"}
    )
    await client.patch(f"/api/v1/users/{user_id}", json={"role": "admin"}, headers=admin)
    await client.patch(f"/api/v1/users/{user_id}", json={"full_name": "New"}, headers=admin)
    await client.delete(f"/api/v1/users/{user_id}", headers=admin)
    await client.post(
        "/api/v1/users/", json={"email": "made@example.com", "password": PASSWORD}, headers=admin
    )
    about = await names(client, admin, target_id=user_id)
    for expected in (
        "user_created",
        "email_verified",
        "password_reset",
        "role_changed",
        "user_updated",
        "user_deleted",
    ):
        assert expected in about, expected
    assert "password_changed" in await names(client, admin, actor_id=user_id)
    role_change = (await events(client, admin, event="role_changed"))[0]
    assert role_change["details"] == {"old": "user", "new": "admin"}
    assert len(await events(client, admin, event="user_created")) == 2


async def test_filters_pages_and_access(
    client: httpx.AsyncClient, users: UserFactory, admin: dict[str, str]
) -> None:
    await users.create("sam@example.com")
    sam = await users.headers("sam@example.com")
    assert_error(await client.get(AUDIT, headers=sam), 403, "FORBIDDEN")
    assert await events(client, admin, since="2999-01-01T00:00:00Z") == []
    # Two sign-ins and sam's refused read.
    assert len(await events(client, admin, until="2999-01-01T00:00:00Z")) == 3
    page = await client.get(AUDIT, params={"size": 1}, headers=admin)
    assert (page.json()["total"], page.json()["pages"]) == (3, 3)
    # Any well-formed name filters (it may simply match nothing); a malformed one is a 422.
    assert await events(client, admin, event="nope") == []
    bad = await client.get(AUDIT, params={"event": "Not a name!"}, headers=admin)
    assert_error(bad, 422, "VALIDATION_ERROR")


async def test_a_module_records_its_own_namespaced_events(
    client: httpx.AsyncClient, admin: dict[str, str], db_session: AsyncSession
) -> None:
    """Any module records through core; the list filters any recorded name."""
    context = RequestContext(
        ip_address="192.0.2.1", user_agent="probe", request_id="r1", base_url="http://testserver"
    )
    audit.record(db_session, "probe.linked", context, provider="example")
    audit.record(db_session, AuditAction.LOGOUT, context)
    await db_session.commit()
    [linked] = await events(client, admin, event="probe.linked")
    assert (linked["details"], linked["ip_address"]) == ({"provider": "example"}, "192.0.2.1")
    assert await names(client, admin, event="logout") == ["logout"]  # a core name still works
    with pytest.raises(ValueError, match=r"tasks\.deleted"):
        audit.record(db_session, "Probe Linked", context)


async def test_v16_3_2_a_refusal_is_audited_with_its_answer(
    client: httpx.AsyncClient, users: UserFactory, admin: dict[str, str]
) -> None:
    """403 from `require_permission` and from an ownership check both land in the log."""
    sam = await users.create("sam@example.com")
    other = await users.create("other@example.com")
    headers = await users.headers("sam@example.com")
    assert_error(await client.get(AUDIT, headers=headers), 403, "FORBIDDEN")
    refused = await client.get(f"/api/v1/users/{other.id}", headers=headers)
    assert_error(refused, 403, "FORBIDDEN")
    denials = await events(client, admin, event="permission_denied", actor_id=str(sam.id))
    assert [(e["target_id"], e["details"]) for e in reversed(denials)] == [
        (None, {"permission": "audit_events:read"}),
        (str(other.id), {"permission": "users:read"}),
    ]
