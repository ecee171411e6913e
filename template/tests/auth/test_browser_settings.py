"""The session cookie's settings: production's cookie, the refusals, CORS and logs."""

import httpx
import pytest
from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.config import TEST_PASSWORD_HASH, Settings, get_settings
from app.core.logging import configure_logging
from tests.auth.test_browser_sessions import BROWSER, FRONTEND, LOGIN, LOGOUT, REFRESH, post
from tests.core.test_http import hosted_client
from tests.helpers import PASSWORD, UserFactory, assert_error

PRODUCTION = {
    "environment": "production",
    "secret_key": "a-production-secret-key-of-more-than-32-characters",
    "database_url": "postgresql+asyncpg://db.internal/app",
    "email_backend": "smtp",
}


def production(**changes: object) -> Settings:
    """Production settings from these values alone, whatever the environment says."""
    return Settings.model_validate(PRODUCTION | changes)


def refusal(**changes: object) -> str:
    with pytest.raises(ValidationError) as refused:
        production(**changes)
    return str(refused.value)


def test_v3_3_1_production_defaults_to_a_secure_cookie_and_refuses_another() -> None:
    assert production().session_cookie_secure is True
    assert Settings.model_validate({}).session_cookie_secure is False
    assert "SESSION_COOKIE_SECURE must be true in production" in refusal(
        session_cookie_secure=False
    )


def test_production_refuses_plain_http_frontends() -> None:
    """A page served over http can be rewritten in transit and would ride the cookie."""
    message = refusal(cors_origins=["https://app.example.com", "http://app.example.com"])
    assert "CORS_ORIGINS must be https:// in production, not http://app.example.com" in message
    assert production(cors_origins=[FRONTEND]).cors_origins == [FRONTEND]


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("session_cookie_samesite", "none"),  # would send the cookie on cross-site requests
        ("session_cookie_name", "__Host-refresh"),  # the prefix is the service's to choose
        ("session_cookie_name", "refresh token"),
        ("session_cookie_domain", "https://example.com"),
        ("session_cookie_domain", "example.com/path"),
    ],
)
def test_v3_3_2_cookie_settings_refuse_unsafe_or_malformed_values(setting: str, value: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings.model_validate({setting: value})
    assert setting in str(refused.value)


@pytest.fixture
def settings(request: pytest.FixtureRequest) -> Settings:
    """Production's settings, on the tests' database, with a frontend at `FRONTEND`.

    Passwords hash at the test cost: these tests are about cookies, and
    tests/core/test_config.py proves that production hashes at full cost.
    A test changes some with `@pytest.mark.parametrize("settings", [{...}], indirect=True)`.
    """
    changes = getattr(request, "param", {})
    return production(
        database_url=get_settings().database_url,
        cors_origins=[FRONTEND],
        **TEST_PASSWORD_HASH,
        **changes,
    )


async def production_login(
    client: httpx.AsyncClient, users: UserFactory, db_session: AsyncSession
) -> httpx.Response:
    user = await users.create("prod@example.com")
    user.is_verified = True  # production signs in verified addresses only
    db_session.add(user)
    await db_session.commit()
    body = {"email": "prod@example.com", "password": PASSWORD}
    return await post(client, LOGIN, json=body)


async def test_v3_3_1_production_sends_a_secure_prefixed_httponly_cookie(
    client: httpx.AsyncClient, users: UserFactory, db_session: AsyncSession, settings: Settings
) -> None:
    """The `Set-Cookie` headers of login, refresh and logout under ENVIRONMENT=production."""
    login = await production_login(client, users, db_session)
    assert login.status_code == 200, login.text
    refresh = login.headers["set-cookie"].split(";")[0].split("=", 1)[1]
    rotated = await post(client, REFRESH, refresh, cookie_name="__Secure-refresh_token")
    assert rotated.status_code == 200, rotated.text
    spent = rotated.headers["set-cookie"].split(";")[0].split("=", 1)[1]
    logout = await post(client, LOGOUT, spent, cookie_name="__Secure-refresh_token")
    assert logout.status_code == 204
    for answer in (login, rotated, logout):
        # Shown with `pytest -s`, the token's value masked: a test prints no secret either.
        header = answer.headers["set-cookie"]
        name, rest = header.split("=", 1)
        value, flags = rest.split(";", 1)
        shown = value if value == '""' else "<token>"
        print(f"{answer.request.url.path}: Set-Cookie: {name}={shown};{flags}")
        assert header.startswith("__Secure-refresh_token=")
        attributes = [part.strip() for part in header.split(";")[1:]]
        assert {"HttpOnly", "Path=/api/v1/auth", "SameSite=strict", "Secure"} <= set(attributes)
        assert not any(part.lower().startswith("domain") for part in attributes)
    assert "Max-Age=0" in logout.headers["set-cookie"]
    assert (
        f"Max-Age={settings.refresh_token_expire_days * 24 * 3600}" in login.headers["set-cookie"]
    )


@pytest.mark.parametrize(
    "settings",
    [
        {
            "session_cookie_name": "sid",
            "session_cookie_domain": "example.com",
            "session_cookie_samesite": "lax",
        }
    ],
    indirect=True,
)
async def test_the_cookie_follows_its_settings(
    client: httpx.AsyncClient, users: UserFactory, db_session: AsyncSession
) -> None:
    login = await production_login(client, users, db_session)
    header = login.headers["set-cookie"]
    assert header.startswith("__Secure-sid=")
    assert {"Domain=example.com", "SameSite=lax", "Secure", "HttpOnly"} <= {
        part.strip() for part in header.split(";")
    }
    refresh = header.split(";")[0].split("=", 1)[1]
    rotated = await post(client, REFRESH, refresh, cookie_name="__Secure-sid")
    assert rotated.status_code == 200, rotated.text
    # The default name is not read any more.
    stale = await post(client, REFRESH, refresh, cookie_name="__Secure-refresh_token")
    assert_error(stale, 401, "TOKEN_INVALID")


async def test_v3_4_2_cors_credentials_only_for_listed_origins(client: httpx.AsyncClient) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-auth-transport",
    }
    allowed = await client.options(REFRESH, headers=preflight | {"Origin": FRONTEND})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == FRONTEND
    assert allowed.headers["access-control-allow-credentials"] == "true"
    assert "x-auth-transport" in allowed.headers["access-control-allow-headers"].lower()
    evil = await client.options(REFRESH, headers=preflight | {"Origin": "https://evil.example"})
    assert evil.status_code == 400
    assert "access-control-allow-origin" not in evil.headers


async def test_v3_4_2_a_wildcard_origin_never_gets_credentials(
    db_session: AsyncSession, users: UserFactory
) -> None:
    wildcard = get_settings().model_copy(update={"cors_origins": ["*"]})
    async with hosted_client(wildcard, "api.example.com") as client:
        cookie = {"Origin": "https://evil.example", "Cookie": "refresh_token=x"}
        answer = await client.get("/health/live", headers=cookie)
        assert "access-control-allow-credentials" not in answer.headers
        # `*` is not an origin a page has: the cookie transport stays closed.
        refused = await client.post(REFRESH, headers=BROWSER | {"Origin": "https://evil.example"})
        assert_error(refused, 403, "ORIGIN_NOT_ALLOWED")


@pytest.mark.parametrize("log_format", ["console", "json"])
async def test_v16_2_5_browser_sessions_log_no_token(
    client: httpx.AsyncClient,
    users: UserFactory,
    db_session: AsyncSession,
    log_format: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Login, refresh and logout by cookie: no token in a log line, a URL or a header."""
    configure_logging(get_settings().model_copy(update={"log_format": log_format}))
    login = await production_login(client, users, db_session)
    first = login.headers["set-cookie"].split(";")[0].split("=", 1)[1]
    rotated = await post(client, REFRESH, first, cookie_name="__Secure-refresh_token")
    second = rotated.headers["set-cookie"].split(";")[0].split("=", 1)[1]
    logout = await post(client, LOGOUT, second, cookie_name="__Secure-refresh_token")
    assert logout.status_code == 204
    secrets = [first, second, login.json()["access_token"], rotated.json()["access_token"]]
    output = capsys.readouterr()
    logged = output.err + output.out
    assert "/api/v1/auth/refresh" in logged, "the requests were logged"
    for answer in (login, rotated, logout):
        others = [v for k, v in answer.headers.items() if k != "set-cookie"]
        for secret in secrets:
            assert secret not in logged
            assert secret not in str(answer.request.url)
            assert not any(secret in value for value in others)
