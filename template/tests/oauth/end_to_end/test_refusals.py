"""Refusals end to end at a real OpenID Connect provider: each ends in its error code
(or the frontend's `?error=`), never a 500, and creates no user and no link."""

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel.ext.asyncio.session import AsyncSession

from app.oauth.models import OAuthAccount
from app.users.models import User
from tests.helpers import UserFactory, assert_error
from tests.oauth.end_to_end.conftest import (
    ALICE,
    CLIENT_ID,
    CLIENT_SECRET,
    FRONTEND,
    accounts_of,
    authorize,
    back_at_service,
    configure,
    count,
    launch,
    sign_in,
    with_query,
)
from tests.oauth.oidc_provider import (
    OidcProvider,
    foreign_issuer_discovery,
    free_port,
    sign_in_at_provider,
)


async def test_v6_8_1_an_unverified_provider_email_is_not_linked(
    client: httpx.AsyncClient, users: UserFactory, db_session: AsyncSession
) -> None:
    local = await users.create(ALICE)
    local.is_verified = True
    await db_session.commit()

    # The provider's account has the same address, but says it is not verified.
    response = await sign_in(client, login=f"unverified:{ALICE}")
    assert_error(response, 403, "OAUTH_EMAIL_NOT_VERIFIED")
    assert await count(db_session, OAuthAccount) == 0
    assert await count(db_session, User) == 1


async def test_v6_8_1_a_verified_provider_email_is_not_linked_to_an_unverified_local_account(
    client: httpx.AsyncClient, users: UserFactory, db_session: AsyncSession
) -> None:
    await users.create(ALICE)  # registered by anyone, address never proved
    response = await sign_in(client)
    assert_error(response, 409, "OAUTH_LINK_REFUSED")
    assert await count(db_session, OAuthAccount) == 0


async def test_v10_2_1_a_forged_state_is_refused(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    sent_back = await sign_in_at_provider(await authorize(client), ALICE)
    forged = with_query(sent_back, state=secrets.token_urlsafe(32))
    assert_error(await back_at_service(client, forged), 400, "OAUTH_STATE_INVALID")
    assert await count(db_session, User) == 0


async def test_v10_2_1_a_replayed_state_is_refused(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    sent_back = await sign_in_at_provider(await authorize(client), ALICE)
    assert (await back_at_service(client, sent_back)).status_code == 200
    assert_error(await back_at_service(client, sent_back), 400, "OAUTH_STATE_INVALID")
    assert await count(db_session, OAuthAccount) == 1


async def test_a_spent_code_on_a_new_flow_is_refused_by_the_provider(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    sent_back = await sign_in_at_provider(await authorize(client), ALICE)
    assert (await back_at_service(client, sent_back)).status_code == 200
    # A new flow of this browser, finished with the code the provider already redeemed.
    fresh = await sign_in_at_provider(await authorize(client), "bob@example.com")
    spent_code = parse_qs(urlsplit(sent_back).query)["code"][0]
    replay = with_query(fresh, code=spent_code)
    assert_error(await back_at_service(client, replay), 400, "OAUTH_CODE_REJECTED")
    assert await count(db_session, User) == 1


async def test_v10_2_1_a_wrong_pkce_verifier_is_refused(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    # The provider is handed the challenge of another verifier than the service's.
    other = hashlib.sha256(secrets.token_urlsafe(48).encode()).digest()
    challenge = base64.urlsafe_b64encode(other).rstrip(b"=").decode()
    url = with_query(await authorize(client), code_challenge=challenge)
    response = await back_at_service(client, await sign_in_at_provider(url, ALICE))
    assert_error(response, 400, "OAUTH_CODE_REJECTED")
    assert await count(db_session, User) == 0


async def test_v10_5_1_a_nonce_mismatch_is_refused(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    url = with_query(await authorize(client), nonce=secrets.token_urlsafe(32))
    response = await back_at_service(client, await sign_in_at_provider(url, ALICE))
    assert_error(response, 400, "OAUTH_ID_TOKEN_INVALID")
    assert await count(db_session, User) == 0


async def test_v10_2_2_an_id_token_of_another_issuer_is_refused(
    app: FastAPI, client: httpx.AsyncClient, provider: OidcProvider, db_session: AsyncSession
) -> None:
    # A consistent discovery document naming its own issuer, with the real provider's
    # endpoints and keys: the ID token is genuine and well signed, by another issuer.
    with foreign_issuer_discovery(provider) as discovery_url:
        await configure(app, oidc_discovery_url=discovery_url)
        url = await authorize(client)
        assert url.startswith(f"{provider.issuer}/auth?")
        response = await back_at_service(client, await sign_in_at_provider(url, ALICE))
    assert_error(response, 400, "OAUTH_ID_TOKEN_INVALID")
    assert await count(db_session, User) == 0


async def test_v10_2_2_a_state_of_one_provider_is_refused_on_another(
    app: FastAPI,
    client: httpx.AsyncClient,
    provider: OidcProvider,
    second_provider: OidcProvider,
    db_session: AsyncSession,
) -> None:
    await configure(
        app,
        oidc_discovery_url=provider.discovery_url,
        google_client_id=CLIENT_ID,
        google_client_secret=CLIENT_SECRET,
        google_discovery_url=second_provider.discovery_url,
    )
    sent_back = await sign_in_at_provider(await authorize(client, "oidc"), ALICE)
    on_google = await back_at_service(client, sent_back, "google")
    assert_error(on_google, 400, "OAUTH_STATE_INVALID")
    # The state was spent by the attempt: it is not good on its own callback either.
    assert_error(await back_at_service(client, sent_back, "oidc"), 400, "OAUTH_STATE_INVALID")
    assert await count(db_session, User) == 0
    # Google (the second provider) itself signs in: the refusal was the mix-up alone.
    response = await sign_in(client, provider="google")
    assert response.status_code == 200, response.text
    [account] = await accounts_of(db_session, ALICE)
    assert account.provider == "google"


@pytest.mark.parametrize("frontend_url", ["", FRONTEND])
async def test_consent_denied_at_the_provider_ends_in_access_denied(
    client: httpx.AsyncClient, db_session: AsyncSession, frontend_url: str
) -> None:
    sent_back = await sign_in_at_provider(await authorize(client), ALICE, consent=False)
    assert parse_qs(urlsplit(sent_back).query)["error"] == ["access_denied"]
    response = await back_at_service(client, sent_back)
    if frontend_url:
        assert response.status_code == 302
        assert (
            response.headers["location"] == f"{FRONTEND}/oauth/callback?error=OAUTH_ACCESS_DENIED"
        )
    else:
        assert_error(response, 400, "OAUTH_ACCESS_DENIED")
    assert await count(db_session, User) == 0


async def test_a_provider_down_before_the_sign_in_is_a_clean_error(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    nothing_listens = f"http://127.0.0.1:{free_port()}"
    await configure(app, oidc_discovery_url=f"{nothing_listens}/.well-known/openid-configuration")
    response = await client.get("/api/v1/auth/oidc/authorize")
    assert_error(response, 502, "OAUTH_PROVIDER_UNAVAILABLE")


async def test_a_provider_down_at_the_callback_is_a_clean_error(
    app: FastAPI,
    client: httpx.AsyncClient,
    tmp_path_factory: pytest.TempPathFactory,
    db_session: AsyncSession,
) -> None:
    short_lived = launch(tmp_path_factory)
    try:
        await configure(app, oidc_discovery_url=short_lived.discovery_url)
        sent_back = await sign_in_at_provider(await authorize(client), ALICE)
    finally:
        short_lived.stop()
    response = await back_at_service(client, sent_back)
    assert_error(response, 502, "OAUTH_PROVIDER_UNAVAILABLE")
    assert await count(db_session, User) == 0
