"""Bodies of the oauth routes."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict


class ProviderRead(BaseModel):
    name: str
    display_name: str


class ProviderList(BaseModel):
    providers: list[ProviderRead]


class AuthorizationUrl(BaseModel):
    """Where to send the browser (asked for with `Accept: application/json`)."""

    authorization_url: str


class OAuthAccountRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    provider: str
    email: str | None
    created_at: datetime
    last_used_at: datetime | None
