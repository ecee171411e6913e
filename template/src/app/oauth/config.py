"""The oauth module's settings: `OAUTH_*`, and each provider's client credentials."""

from typing import Annotated

from fastapi import Depends
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from app.core.config import ModuleSettings
from app.core.services import ServicesDep

GOOGLE_DISCOVERY_URL = "https://accounts.google.com/.well-known/openid-configuration"
# Long enough to be a real provider-issued secret, not a placeholder.
MIN_CLIENT_SECRET_LENGTH = 16
URL_PATTERN = r"^https?://[^\s/?#]+(/[^\s?#]*)?$"


class OAuthSettings(ModuleSettings):
    # An empty variable (`GOOGLE_CLIENT_ID=` in a copied `.env.example`) counts as unset.
    model_config = SettingsConfigDict(
        env_prefix="OAUTH_", extra="ignore", populate_by_name=True, env_ignore_empty=True
    )

    # Where the provider sends the browser back: this + /api/v1/auth/callback/{provider}.
    # Never taken from the request's Host header, which a client can forge.
    redirect_base_url: Annotated[str, Field(pattern=URL_PATTERN)] = "http://localhost:8000"
    # How long a started sign-in may take before its `state` is refused.
    state_ttl_seconds: Annotated[int, Field(ge=30, le=3600)] = 600
    # How long the one-time code of a finished sign-in can be spent at /auth/token.
    sign_in_code_ttl_seconds: Annotated[int, Field(ge=5, le=600)] = 60
    # Each call to a provider (discovery, keys, token, user) gives up after this long.
    http_timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 10.0
    # Per client IP, for the authorize and the callback routes each.
    rate_limit: str = "20/minute"

    google_client_id: str | None = Field(default=None, validation_alias="GOOGLE_CLIENT_ID")
    google_client_secret: SecretStr | None = Field(
        default=None, validation_alias="GOOGLE_CLIENT_SECRET"
    )
    google_discovery_url: Annotated[str, Field(pattern=URL_PATTERN)] = GOOGLE_DISCOVERY_URL

    github_client_id: str | None = Field(default=None, validation_alias="GITHUB_CLIENT_ID")
    github_client_secret: SecretStr | None = Field(
        default=None, validation_alias="GITHUB_CLIENT_SECRET"
    )
    # GitHub's sign-in pages and its REST API (a GitHub Enterprise server has its own).
    github_url: Annotated[str, Field(pattern=URL_PATTERN)] = "https://github.com"
    github_api_url: Annotated[str, Field(pattern=URL_PATTERN)] = "https://api.github.com"

    oidc_client_id: str | None = Field(default=None, validation_alias="OIDC_CLIENT_ID")
    oidc_client_secret: SecretStr | None = Field(
        default=None, validation_alias="OIDC_CLIENT_SECRET"
    )
    # The provider's `/.well-known/openid-configuration`; its issuer must be its prefix.
    oidc_discovery_url: str | None = Field(
        default=None, pattern=URL_PATTERN, validation_alias="OIDC_DISCOVERY_URL"
    )
    oidc_display_name: str = Field(
        default="OpenID Connect", min_length=1, max_length=50, validation_alias="OIDC_DISPLAY_NAME"
    )

    @field_validator("redirect_base_url", "github_url", "github_api_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    def production_problems(self) -> list[str]:
        problems = []
        pairs = {
            "GOOGLE": (self.google_client_id, self.google_client_secret),
            "GITHUB": (self.github_client_id, self.github_client_secret),
            "OIDC": (self.oidc_client_id, self.oidc_client_secret),
        }
        # With no provider configured the module signs nobody in: nothing to refuse.
        in_use = any(client_id for client_id, _ in pairs.values())
        if in_use and not self.redirect_base_url.startswith("https://"):
            # The provider would send codes back over plain HTTP.
            problems.append("OAUTH_REDIRECT_BASE_URL must be https:// in production.")
        for name, (client_id, secret) in pairs.items():
            if client_id and (secret is None or len(secret) < MIN_CLIENT_SECRET_LENGTH):
                problems.append(
                    f"{name}_CLIENT_SECRET must be the provider's secret "
                    f"({MIN_CLIENT_SECRET_LENGTH}+ characters) in production."
                )
        if self.oidc_discovery_url and not self.oidc_discovery_url.startswith("https://"):
            problems.append("OIDC_DISCOVERY_URL must be https:// in production.")
        return problems


def get_oauth_settings(services: ServicesDep) -> OAuthSettings:
    return services.settings_of(OAuthSettings)


OAuthSettingsDep = Annotated[OAuthSettings, Depends(get_oauth_settings)]
