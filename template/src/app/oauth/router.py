"""`/api/v1/auth`: the providers, and the two legs of a social sign-in."""

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Header, Query, Request, status
from fastapi.responses import JSONResponse, RedirectResponse, Response

from app.auth import service as auth_service
from app.auth.schemas import TokenResponse
from app.auth.sign_in_codes import mint_sign_in_code
from app.core.config import Settings
from app.core.context import RequestContextDep
from app.core.db import SessionDep
from app.core.dependencies import SettingsDep
from app.core.errors import ERROR_RESPONSES, AppError
from app.core.module import API_PREFIX
from app.core.ratelimit import RateLimiterDep
from app.core.services import ServicesDep
from app.oauth import service
from app.oauth.config import OAuthSettingsDep
from app.oauth.dependencies import ProviderClientDep
from app.oauth.exceptions import AccessDeniedError, AuthorizationFailedError
from app.oauth.providers import enabled_providers
from app.oauth.schemas import AuthorizationUrl, ProviderList, ProviderRead
from app.oauth.state import (
    clear_flow_cookie,
    flow_cookie_name,
    save_flow,
    set_flow_cookie,
    start_flow,
    take_flow,
)
from app.users.models import User

router = APIRouter(prefix=f"{API_PREFIX}/auth", tags=["oauth"], responses=ERROR_RESPONSES)

# Where the frontend receives the browser at the end: `?code=` or `?error=`.
FRONTEND_CALLBACK_PATH = "/oauth/callback"
REDIRECT: dict[int | str, dict[str, Any]] = {
    status.HTTP_302_FOUND: {"description": "To the provider, or back to the frontend"}
}


@router.get("/providers")
async def list_providers(settings: OAuthSettingsDep) -> ProviderList:
    """The sign-in providers this service is configured for (those with credentials)."""
    return ProviderList(
        providers=[
            ProviderRead(name=p.name, display_name=p.display_name)
            for p in enabled_providers(settings).values()
        ]
    )


@router.get(
    "/{provider}/authorize",
    response_model=AuthorizationUrl,
    responses=REDIRECT,
)
async def authorize(
    client: ProviderClientDep,
    settings: SettingsDep,
    oauth_settings: OAuthSettingsDep,
    services: ServicesDep,
    context: RequestContextDep,
    limiter: RateLimiterDep,
    accept: Annotated[str, Header()] = "",
) -> Response:
    """Start signing in with `provider`: 302 to its consent page.

    With `Accept: application/json` the URL is answered instead, for a page that
    navigates there itself. Either way the answer sets a cookie that binds the
    flow to this browser: the callback refuses the flow from any other.
    """
    await limiter.hit(oauth_settings.rate_limit, f"oauth-authorize:ip:{context.ip_address}")
    flow = start_flow(client.provider.name)
    url = await client.authorization_url(
        state=flow.state, code_verifier=flow.pending.code_verifier, nonce=flow.pending.nonce
    )
    await save_flow(services.ephemeral_store, flow, ttl_seconds=oauth_settings.state_ttl_seconds)
    response: Response
    if "application/json" in accept:
        response = JSONResponse(AuthorizationUrl(authorization_url=url).model_dump())
    else:
        response = RedirectResponse(url, status_code=status.HTTP_302_FOUND)
    set_flow_cookie(response, settings, flow.browser_secret, oauth_settings.state_ttl_seconds)
    return response


@router.get("/callback/{provider}", response_model=TokenResponse, responses=REDIRECT)
async def callback(
    client: ProviderClientDep,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    oauth_settings: OAuthSettingsDep,
    services: ServicesDep,
    context: RequestContextDep,
    limiter: RateLimiterDep,
    state: Annotated[str | None, Query(max_length=512)] = None,
    code: Annotated[str | None, Query(max_length=2048)] = None,
    error: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """Where the provider sends the browser back: check everything, then sign in.

    With `FRONTEND_URL` set: 302 to `{FRONTEND_URL}/oauth/callback?code=…`, a
    one-time code the page spends at `POST /auth/token`
    (`grant_type=authorization_code`), or `?error=<ERROR_CODE>`; no token is ever
    put in a URL. With `FRONTEND_URL` empty: the token pair as JSON, or the error
    envelope.
    """
    try:
        await limiter.hit(oauth_settings.rate_limit, f"oauth-callback:ip:{context.ip_address}")
        flow = await take_flow(
            services.ephemeral_store,
            state,
            provider=client.provider.name,
            browser_secret=request.cookies.get(flow_cookie_name(settings)),
        )
        if error is not None:
            raise AccessDeniedError if error == "access_denied" else AuthorizationFailedError
        if not code:
            raise AuthorizationFailedError
        identity = await client.identity(
            code=code, code_verifier=flow.code_verifier, nonce=flow.nonce
        )
        user = await service.sign_in_with(session, identity, context)
    except AppError as exc:
        if not settings.frontend_url:
            raise
        return _to_frontend(settings, error=exc.error_code)
    if settings.frontend_url:
        return _to_frontend(settings, code=await _sign_in_code(services, oauth_settings, user))
    tokens = await auth_service.start_session(session, settings, user, context)
    response = JSONResponse(tokens.model_dump(mode="json"))
    clear_flow_cookie(response, settings)
    return response


async def _sign_in_code(services: ServicesDep, oauth_settings: OAuthSettingsDep, user: User) -> str:
    return await mint_sign_in_code(
        services.ephemeral_store, user.id, ttl_seconds=oauth_settings.sign_in_code_ttl_seconds
    )


def _to_frontend(settings: Settings, **query: str) -> Response:
    url = f"{settings.frontend_url.rstrip('/')}{FRONTEND_CALLBACK_PATH}?{urlencode(query)}"
    response = RedirectResponse(url, status_code=status.HTTP_302_FOUND)
    clear_flow_cookie(response, settings)
    return response
