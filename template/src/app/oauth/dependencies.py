"""The provider a route's `{provider}` names, ready to talk to."""

from typing import Annotated

from fastapi import Depends, Path

from app.core.services import ServicesDep
from app.oauth.client import ProviderClient
from app.oauth.config import OAuthSettingsDep
from app.oauth.exceptions import ProviderNotFoundError
from app.oauth.providers import enabled_providers


def get_provider_client(
    provider: Annotated[str, Path(max_length=50, description="`google`, `github` or `oidc`")],
    settings: OAuthSettingsDep,
    services: ServicesDep,
) -> ProviderClient:
    """A configured provider; any other name (or one without credentials) is a 404."""
    found = enabled_providers(settings).get(provider)
    if found is None:
        raise ProviderNotFoundError
    return ProviderClient(found, services.cache, settings.http_timeout_seconds)


ProviderClientDep = Annotated[ProviderClient, Depends(get_provider_client)]
