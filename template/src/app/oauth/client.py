"""Talking to a provider with Authlib: the authorization URL, the code, the identity.

PKCE (S256), `state` and the OpenID Connect `nonce` are Authlib's; this file only
chooses the endpoints and checks what comes back. Every failure of the provider
(down, slow, an answer we cannot read) becomes `ProviderUnavailableError`, and a
code or ID token it refuses becomes its own error: never a 500.
"""

import hashlib
import json
from typing import Any

import httpx2
import structlog
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from app.core.stores import Cache
from app.oauth.exceptions import (
    CodeRejectedError,
    IdTokenInvalidError,
    ProviderUnavailableError,
)
from app.oauth.providers import Identity, Provider

logger = structlog.get_logger(__name__)

DISCOVERY_TTL_SECONDS = 3600
# Clock difference allowed between us and the provider for `exp`, `iat` and `nbf`.
CLOCK_LEEWAY_SECONDS = 60
GITHUB_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
# A provider's answer we cannot read (malformed, or not the shape it documents) is the
# provider's failure, not ours: 502, never a 500.
_UNREADABLE = (httpx2.HTTPError, ValueError, KeyError, TypeError, AttributeError)


class ProviderClient:
    """One provider, for one request."""

    def __init__(self, provider: Provider, cache: Cache, timeout_seconds: float) -> None:
        self.provider = provider
        self._cache = cache
        self._timeout = timeout_seconds

    def _client(self) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self.provider.client_id,
            client_secret=self.provider.client_secret,
            scope=self.provider.scope,
            redirect_uri=self.provider.redirect_uri,
            code_challenge_method="S256",
            timeout=self._timeout,
        )

    async def authorization_url(self, *, state: str, code_verifier: str, nonce: str) -> str:
        """Where to send the browser: the provider's consent page for this flow."""
        extra: dict[str, str] = {}
        if self.provider.discovery_url:
            endpoint = (await self.metadata())["authorization_endpoint"]
            extra["nonce"] = nonce
        else:
            endpoint = str(self.provider.authorize_url)
        async with self._client() as client:
            url, _ = client.create_authorization_url(
                endpoint, state=state, code_verifier=code_verifier, **extra
            )
        return str(url)

    async def identity(self, *, code: str, code_verifier: str, nonce: str) -> Identity:
        """Spend the code (with the PKCE verifier) and prove who the user is."""
        try:
            if self.provider.discovery_url:
                return await self._oidc_identity(code, code_verifier, nonce)
            return await self._github_identity(code, code_verifier)
        except OAuthError as exc:
            # The token endpoint refused: a wrong verifier, a spent or foreign code.
            raise CodeRejectedError from exc
        except _UNREADABLE as exc:
            _log_failure(self.provider.name, exc)
            raise ProviderUnavailableError from exc

    async def metadata(self) -> dict[str, Any]:
        """The provider's discovery document, cached for an hour."""
        url = str(self.provider.discovery_url)
        key = discovery_cache_key(url)
        if (cached := await self._cache.get(key)) is not None:
            return dict(json.loads(cached))
        try:
            async with httpx2.AsyncClient(timeout=self._timeout) as client:
                response = await client.get(url)
                response.raise_for_status()
                metadata = dict(response.json())
            _check_metadata(url, metadata)
        except _UNREADABLE as exc:
            _log_failure(self.provider.name, exc)
            raise ProviderUnavailableError from exc
        await self._cache.set(key, json.dumps(metadata), ttl_seconds=DISCOVERY_TTL_SECONDS)
        return metadata

    async def _oidc_identity(self, code: str, code_verifier: str, nonce: str) -> Identity:
        metadata = await self.metadata()
        async with self._client() as client:
            token = await client.fetch_token(
                metadata["token_endpoint"], code=code, code_verifier=code_verifier
            )
            if "id_token" not in token:
                raise IdTokenInvalidError
            keys = await _get_json(client, metadata["jwks_uri"], withhold_token=True)
            claims = self._validate_id_token(metadata, keys, token, nonce)
            if "email" not in claims and "userinfo_endpoint" in metadata:
                claims = await self._userinfo(client, metadata["userinfo_endpoint"], claims)
        verified = claims.get("email_verified") in (True, "true")
        return _identity(
            self.provider.name,
            str(claims["sub"]),
            claims.get("email"),
            verified,
            claims.get("name"),
        )

    def _validate_id_token(
        self, metadata: dict[str, Any], keys: Any, token: dict[str, Any], nonce: str
    ) -> dict[str, Any]:
        """Signature (the provider's published keys), issuer, audience, expiry and nonce."""
        algorithms = [
            alg
            for alg in metadata.get("id_token_signing_alg_values_supported", ["RS256"])
            if alg != "none"
        ]
        try:
            decoded = jwt.decode(
                token["id_token"], KeySet.import_key_set(keys), algorithms=algorithms
            )
            claims = CodeIDToken(
                decoded.claims,
                decoded.header,
                {
                    "iss": {"essential": True, "value": metadata["issuer"]},
                    "aud": {"essential": True, "value": self.provider.client_id},
                },
                {
                    "nonce": nonce,
                    "client_id": self.provider.client_id,
                    "access_token": token.get("access_token"),
                },
            )
            claims.validate(leeway=CLOCK_LEEWAY_SECONDS)
        except (JoseError, ValueError) as exc:
            raise IdTokenInvalidError from exc
        return dict(claims)

    async def _userinfo(
        self, client: AsyncOAuth2Client, endpoint: str, claims: dict[str, Any]
    ) -> dict[str, Any]:
        """The ID token's claims with the email from userinfo, which must be the same user."""
        userinfo = dict(await _get_json(client, endpoint))
        if userinfo.get("sub") != claims["sub"]:
            raise IdTokenInvalidError
        email = {key: userinfo.get(key) for key in ("email", "email_verified")}
        return {"name": userinfo.get("name"), **claims, **email}

    async def _github_identity(self, code: str, code_verifier: str) -> Identity:
        api = self.provider.api_url
        async with self._client() as client:
            await client.fetch_token(
                str(self.provider.token_url), code=code, code_verifier=code_verifier
            )
            user = await _get_json(client, f"{api}/user", headers=GITHUB_HEADERS)
            emails = await _get_json(client, f"{api}/user/emails", headers=GITHUB_HEADERS)
        # Only an address GitHub has verified; the primary one if it is.
        verified = sorted(
            (e for e in emails if e.get("verified") is True and e.get("email")),
            key=lambda e: e.get("primary") is not True,
        )
        email = verified[0]["email"] if verified else None
        return _identity(
            self.provider.name,
            str(user["id"]),
            email,
            email is not None,
            user.get("name") or user.get("login"),
        )


async def _get_json(client: AsyncOAuth2Client, url: str, **kwargs: Any) -> Any:
    """GET with the access token (unless `withhold_token=True`); a 4xx or 5xx raises."""
    response = await client.request("GET", url, **kwargs)
    response.raise_for_status()
    return response.json()


def discovery_cache_key(url: str) -> str:
    """Where the discovery document of `url` is cached."""
    return "oauth:discovery:" + hashlib.sha256(url.encode()).hexdigest()


def _log_failure(provider: str, exc: Exception) -> None:
    # The type only: an error's text may quote a URL with a code in it.
    logger.warning("oauth provider failed", provider=provider, error=type(exc).__name__)


def _check_metadata(url: str, metadata: dict[str, Any]) -> None:
    """OpenID Connect Discovery §4.3: the issuer is the URL the document came from."""
    issuer = str(metadata["issuer"]).rstrip("/")
    if url != f"{issuer}/.well-known/openid-configuration":
        raise ValueError("the discovery document names another issuer")
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(metadata.get(key), str):
            raise ValueError(f"the discovery document has no {key}")


def _identity(provider: str, subject: str, email: object, verified: bool, name: object) -> Identity:
    address = email.lower() if isinstance(email, str) and email else None
    return Identity(
        provider=provider,
        subject=subject,
        email=address,
        email_verified=verified and address is not None,
        name=name[:255] if isinstance(name, str) and name else None,
    )
