"""Browser sessions: the refresh token in an HttpOnly cookie, out of JavaScript's reach.

A request chooses the cookie transport with the header `X-Auth-Transport: cookie`.
Sign-in, refresh and logout then set, rotate and clear the refresh token as a cookie
(HttpOnly, SameSite, Secure in production, sent only to `/api/v1/auth`), and the
body carries only the short-lived access token, for the page to keep in memory.
Without the header nothing changes: the refresh token travels in JSON and the
cookie is never read.

CSRF: the cookie is read only on requests that carry that custom header, which a
page of another origin can send only after a CORS preflight that just
`CORS_ORIGINS` pass; and their `Origin` (or, lacking it, `Referer`) must be one of
`CORS_ORIGINS` too. docs/security.md says why this and not a double-submit token.

A module that signs people in its own way (a social login) ends its flow with
`issue_browser_session`.
"""

import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Header, Request, Response
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth import service
from app.auth.exceptions import OriginNotAllowedError, RefreshTokenInvalidError
from app.auth.models import AuthSession, RefreshToken
from app.auth.schemas import BrowserTokenResponse, TokenResponse
from app.core import audit
from app.core.audit import AuditAction
from app.core.authentication import bearer_token, get_authentication
from app.core.config import Settings
from app.core.context import RequestContext, RequestContextDep
from app.core.db import SessionDep
from app.core.dependencies import SettingsDep
from app.core.module import API_PREFIX
from app.core.security import hash_opaque_token
from app.core.services import Services, ServicesDep
from app.users.models import User

TRANSPORT_HEADER = "X-Auth-Transport"
# Sent only to the auth routes. `__Host-` would need `Path=/`, so a Secure cookie
# takes the `__Secure-` prefix: browsers accept it only with Secure, over HTTPS.
COOKIE_PATH = f"{API_PREFIX}/auth"
SECURE_PREFIX = "__Secure-"


class Transport(StrEnum):
    JSON = "json"
    COOKIE = "cookie"


def cookie_name(settings: Settings) -> str:
    name = settings.session_cookie_name
    return f"{SECURE_PREFIX}{name}" if settings.session_cookie_secure else name


def set_refresh_cookie(response: Response, settings: Settings, refresh_token: str) -> None:
    """Hand the browser `refresh_token`; it lasts the session's idle timeout."""
    response.set_cookie(
        cookie_name(settings),
        refresh_token,
        max_age=settings.refresh_token_expire_days * 24 * 3600,
        path=COOKIE_PATH,
        domain=settings.session_cookie_domain,
        secure=settings.session_cookie_secure,
        httponly=True,
        samesite=settings.session_cookie_samesite,
    )


def clear_refresh_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        cookie_name(settings),
        path=COOKIE_PATH,
        domain=settings.session_cookie_domain,
        secure=settings.session_cookie_secure,
        httponly=True,
        samesite=settings.session_cookie_samesite,
    )


def to_browser(
    response: Response, settings: Settings, tokens: TokenResponse
) -> BrowserTokenResponse:
    """Move the refresh token of `tokens` from the body into the cookie."""
    set_refresh_cookie(response, settings, tokens.refresh_token)
    return BrowserTokenResponse.model_validate(tokens.model_dump(exclude={"refresh_token"}))


async def issue_browser_session(
    response: Response,
    session: AsyncSession,
    settings: Settings,
    user: User,
    context: RequestContext,
) -> BrowserTokenResponse:
    """Sign `user` in for a browser: a new session whose refresh token is only a cookie.

    For a module's own sign-in flow, once it has proven who the user is and that the
    request is no forgery (a social login's `state`): answer the returned body, whose
    access token the page keeps in memory, and the cookie set on `response` goes along.
    """
    tokens = await service.start_session(session, settings, user, context)
    return to_browser(response, settings, tokens)


def page_origin(request: Request) -> str | None:
    """The origin of the page that sent `request`: `Origin`, or else `Referer`'s."""
    if origin := request.headers.get("origin"):
        return origin
    referer = urlsplit(request.headers.get("referer", ""))
    return f"{referer.scheme}://{referer.netloc}" if referer.scheme and referer.netloc else None


async def get_transport(
    request: Request,
    settings: SettingsDep,
    transport: Annotated[
        Transport,
        Header(
            alias=TRANSPORT_HEADER,
            description="`cookie`: the refresh token goes in an HttpOnly cookie, "
            "for pages of `CORS_ORIGINS` only",
        ),
    ] = Transport.JSON,
) -> Transport:
    """The request's transport; the cookie one only for a page of an allowed origin."""
    allowed = [origin for origin in settings.cors_origins if origin != "*"]
    if transport is Transport.COOKIE and page_origin(request) not in allowed:
        raise OriginNotAllowedError
    return transport


@dataclass(frozen=True, slots=True)
class SignIn:
    """Issues, rotates and ends sessions in the transport the request chose."""

    session: AsyncSession
    settings: Settings
    context: RequestContext
    request: Request
    response: Response
    transport: Transport
    services: Services

    async def start(self, user: User) -> TokenResponse | BrowserTokenResponse:
        """A new session for `user`, whose credentials were just checked."""
        if self.transport is Transport.COOKIE:
            return await issue_browser_session(
                self.response, self.session, self.settings, user, self.context
            )
        return await service.start_session(self.session, self.settings, user, self.context)

    async def rotate(self, refresh_token: str | None) -> TokenResponse | BrowserTokenResponse:
        """Spend the refresh token (the body's, or the cookie's) for the next pair."""
        if self.transport is Transport.JSON:
            if refresh_token is None:
                # The body is optional in the schema (the cookie transport has none):
                # no token to spend is a refused token, not a malformed request.
                raise RefreshTokenInvalidError
            return await service.rotate_refresh_token(
                self.session, self.settings, self.context, refresh_token
            )
        if (cookie := self._cookie()) is None:
            raise RefreshTokenInvalidError
        tokens = await service.rotate_refresh_token(
            self.session, self.settings, self.context, cookie
        )
        return to_browser(self.response, self.settings, tokens)

    async def end(self, access_token: str | None) -> None:
        """Log out: the cookie's session (cookie transport) or else the access token's.

        With the cookie transport the cookie is cleared, and the access token is
        needed only when the cookie names no live session: an expired one does not
        stand in the way of a browser's logout.
        """
        ending = None
        if self.transport is Transport.COOKIE:
            clear_refresh_cookie(self.response, self.settings)
            cookie = self._cookie()
            ending = await _live_session_of(self.session, cookie) if cookie else None
            if ending is None and not access_token:
                return  # nothing to end; the cookie is gone
        if ending is None:
            caller = await get_authentication(access_token, self.services, self.session)
            ending = caller.session_id, caller.principal.id
        session_id, user_id = ending
        await service.revoke_session(self.session, user_id, session_id)
        audit.record(self.session, AuditAction.LOGOUT, self.context, actor_id=user_id)

    def forget(self) -> None:
        """Clear the cookie (cookie transport), e.g. after every session was ended."""
        if self.transport is Transport.COOKIE:
            clear_refresh_cookie(self.response, self.settings)

    def _cookie(self) -> str | None:
        return self.request.cookies.get(cookie_name(self.settings))


async def _live_session_of(
    session: AsyncSession, refresh_token: str
) -> tuple[uuid.UUID, uuid.UUID] | None:
    """(session id, user id) of the unrevoked session that `refresh_token` belongs to."""
    row = (
        await session.exec(
            select(AuthSession.id, AuthSession.user_id)
            .join(RefreshToken, col(RefreshToken.session_id) == AuthSession.id)
            .where(
                RefreshToken.token_hash == hash_opaque_token(refresh_token),
                col(AuthSession.revoked_at).is_(None),
            )
        )
    ).first()
    return (row[0], row[1]) if row else None


async def get_sign_in(
    session: SessionDep,
    settings: SettingsDep,
    context: RequestContextDep,
    request: Request,
    response: Response,
    transport: Annotated[Transport, Depends(get_transport)],
    services: ServicesDep,
) -> SignIn:
    return SignIn(session, settings, context, request, response, transport, services)


SignInDep = Annotated[SignIn, Depends(get_sign_in)]

# The bearer token as sent, checked only when a route needs it (logout).
AccessTokenDep = Annotated[str | None, Depends(bearer_token)]
