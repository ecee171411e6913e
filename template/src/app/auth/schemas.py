"""Request and response bodies of the auth endpoints."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.core.schemas import StrictModel
from app.users.schemas import AnyPassword, Email, Password, UserRead

OpaqueToken = Field(min_length=1, max_length=512)


class LoginRequest(StrictModel):
    # Any text: an address that could not have signed up is an unknown one (401), not a
    # malformed request; the syntax rules are the sign-up's.
    email: str = Field(min_length=1, max_length=320)
    password: AnyPassword


class TokenResponse(BaseModel):
    """The answer of every endpoint that issues tokens: register, login, refresh, token.

    Flat, as OAuth2 clients expect (Swagger's Authorize button reads `access_token`
    and `token_type` at the top), with the signed-in user beside the tokens.
    """

    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires")
    user: UserRead


class BrowserTokenResponse(BaseModel):
    """The answer of sign-in and refresh with the cookie transport (`X-Auth-Transport: cookie`).

    The refresh token is in the HttpOnly cookie, never in the body.
    """

    # A body with a refresh token is never mistaken for this one.
    model_config = ConfigDict(extra="forbid")

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires")
    user: UserRead


class RefreshRequest(StrictModel):
    refresh_token: str = OpaqueToken


class RevokeRequest(StrictModel):
    token: str = OpaqueToken


class SessionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    ip_address: str | None
    user_agent: str | None
    current: bool = False


class TokenRequest(StrictModel):
    token: str = OpaqueToken


class EmailRequest(StrictModel):
    email: Email


class PasswordReset(StrictModel):
    token: str = OpaqueToken
    new_password: Password
