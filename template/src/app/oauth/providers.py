"""The providers: which are on (those with credentials), and what each one is."""

from dataclasses import dataclass

from pydantic import SecretStr

from app.core.module import API_PREFIX
from app.oauth.config import OAuthSettings

OIDC_SCOPE = "openid email profile"
# `user:email` lets /user/emails say which addresses GitHub has verified.
GITHUB_SCOPE = "read:user user:email"


@dataclass(frozen=True, slots=True)
class Provider:
    """One configured provider: an OpenID Connect one (discovery URL) or GitHub."""

    name: str
    display_name: str
    client_id: str
    client_secret: str
    scope: str
    redirect_uri: str
    # OpenID Connect: where its metadata (endpoints, keys, issuer) is published.
    discovery_url: str | None = None
    # Plain OAuth 2 (GitHub): fixed endpoints and a REST API for the user.
    authorize_url: str | None = None
    token_url: str | None = None
    api_url: str | None = None


@dataclass(frozen=True, slots=True)
class Identity:
    """Who the provider says the user is, once it has proven it."""

    provider: str
    subject: str
    # Lowercased; None when the provider vouches for no address.
    email: str | None
    email_verified: bool
    name: str | None


def callback_path(name: str) -> str:
    return f"{API_PREFIX}/auth/callback/{name}"


def enabled_providers(settings: OAuthSettings) -> dict[str, Provider]:
    """The providers with a client id and secret, by name, in a stable order."""
    providers: list[Provider] = []

    def add(
        name: str, display_name: str, client_id: str | None, secret: SecretStr | None, **kw: str
    ) -> None:
        if client_id and secret is not None and secret.get_secret_value():
            redirect_uri = settings.redirect_base_url + callback_path(name)
            providers.append(
                Provider(
                    name,
                    display_name,
                    client_id,
                    secret.get_secret_value(),
                    redirect_uri=redirect_uri,
                    **kw,
                )
            )

    add(
        "google",
        "Google",
        settings.google_client_id,
        settings.google_client_secret,
        scope=OIDC_SCOPE,
        discovery_url=settings.google_discovery_url,
    )
    add(
        "github",
        "GitHub",
        settings.github_client_id,
        settings.github_client_secret,
        scope=GITHUB_SCOPE,
        authorize_url=f"{settings.github_url}/login/oauth/authorize",
        token_url=f"{settings.github_url}/login/oauth/access_token",
        api_url=settings.github_api_url,
    )
    if settings.oidc_discovery_url:
        add(
            "oidc",
            settings.oidc_display_name,
            settings.oidc_client_id,
            settings.oidc_client_secret,
            scope=OIDC_SCOPE,
            discovery_url=settings.oidc_discovery_url,
        )
    return {provider.name: provider for provider in providers}
