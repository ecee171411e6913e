"""A small fake OpenID Connect provider and GitHub API, served over HTTP on loopback.

A stand-in, said plainly: these tests drive the module's own logic (state, PKCE,
ID-token checks, linking rules) against an HTTP server whose answers each test
chooses, including broken ones no real provider gives on demand. The end-to-end
tests run the same module against a real, certified OpenID Connect provider.

The server checks what a provider checks: client credentials, the redirect URI,
the PKCE verifier against the challenge, and that a code is spent only once. Its
ID tokens are signed with a real RSA key published at its JWKS URL.
"""

import base64
import hashlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "test-client"
CLIENT_SECRET = "test-client-secret-0123456789"


def new_key() -> RSAKey:
    return RSAKey.generate_key(2048, private=True, auto_kid=True)


@dataclass
class Grant:
    """What the fake provider's consent page would have recorded for one code."""

    challenge: str
    redirect_uri: str
    nonce: str | None
    claims: dict[str, Any]


@dataclass
class FakeProvider:
    base_url: str = ""
    key: RSAKey = field(default_factory=lambda: new_key())
    grants: dict[str, Grant] = field(default_factory=dict)
    # The next ID token's changes (a wrong `iss`, `nonce`, `aud`, `exp`), or a foreign key.
    id_token_overrides: dict[str, Any] = field(default_factory=dict)
    signing_key: RSAKey | None = None
    # The userinfo endpoint's answer; None answers the grant's claims.
    userinfo: dict[str, Any] | None = None
    github_user: dict[str, Any] = field(default_factory=dict)
    # Any JSON: a test may answer something that is not GitHub's list of addresses.
    github_emails: Any = field(default_factory=list)
    # Answer every request with this status (a provider that is down).
    fail_with: int | None = None
    requests: list[str] = field(default_factory=list)
    last_claims: dict[str, Any] = field(default_factory=dict)

    @property
    def discovery_url(self) -> str:
        return f"{self.base_url}/.well-known/openid-configuration"

    def approve(self, authorization_url: str, code: str, **claims: Any) -> dict[str, str]:
        """The user consents: record a code for this request, as the consent page would.

        Returns the query the provider would send the browser back with.
        """
        query = {k: v[0] for k, v in parse_qs(urlsplit(authorization_url).query).items()}
        assert query["code_challenge_method"] == "S256"
        assert query["client_id"] == CLIENT_ID
        self.grants[code] = Grant(
            query["code_challenge"], query["redirect_uri"], query.get("nonce"), claims
        )
        return {"code": code, "state": query["state"]}

    def reset(self) -> None:
        """Forget every test's choices; keep the server and its key."""
        fresh = FakeProvider(base_url=self.base_url, key=self.key)
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(fresh, name))

    def id_token(self, grant: Grant, access_token: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.base_url,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": grant.nonce,
            **grant.claims,
            **self.id_token_overrides,
        }
        key = self.signing_key or self.key
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.base_url,
            "authorization_endpoint": f"{self.base_url}/authorize",
            "token_endpoint": f"{self.base_url}/token",
            "jwks_uri": f"{self.base_url}/jwks",
            "userinfo_endpoint": f"{self.base_url}/userinfo",
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def token(self, form: dict[str, str], authorization: str) -> tuple[int, dict[str, Any]]:
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if authorization != f"Basic {expected}":
            return 401, {"error": "invalid_client"}
        grant = self.grants.pop(form.get("code", ""), None)  # a code is spent once
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        if (
            grant is None
            or grant.challenge != challenge.rstrip(b"=").decode()
            or grant.redirect_uri != form.get("redirect_uri")
        ):
            return 400, {"error": "invalid_grant"}
        access_token = "at-" + hashlib.sha256(verifier.encode()).hexdigest()[:16]
        self.last_claims = grant.claims
        body = {"access_token": access_token, "token_type": "Bearer", "expires_in": 300}
        if grant.nonce is not None or "sub" in grant.claims:
            body["id_token"] = self.id_token(grant, access_token)
        return 200, body

    def answer(self, method: str, path: str, form: dict[str, str], auth: str) -> tuple[int, Any]:
        self.requests.append(f"{method} {path}")
        if self.fail_with is not None:
            return self.fail_with, {"error": "down"}
        routes: dict[str, Any] = {
            "GET /.well-known/openid-configuration": lambda: (200, self.metadata()),
            "GET /jwks": lambda: (200, {"keys": [self.key.as_dict(private=False)]}),
            "POST /token": lambda: self.token(form, auth),
            "POST /login/oauth/access_token": lambda: self.token(form, auth),
            "GET /userinfo": lambda: (200, self.userinfo or self.last_claims),
            "GET /user": lambda: (200, self.github_user),
            "GET /user/emails": lambda: (200, self.github_emails),
        }
        route = routes.get(f"{method} {path}")
        return route() if route else (404, {"error": "not_found"})


def _handler(provider: FakeProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _respond(self, method: str) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length).decode()
            form = {k: v[0] for k, v in parse_qs(raw).items()}
            path = urlsplit(self.path).path
            status, body = provider.answer(
                method, path, form, self.headers.get("authorization", "")
            )
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:
            self._respond("GET")

        def do_POST(self) -> None:
            self._respond("POST")

        def log_message(self, *args: Any) -> None:
            """Quiet: the tests read `provider.requests` instead."""

    return Handler


@contextmanager
def serve_fake_provider() -> Iterator[FakeProvider]:
    provider = FakeProvider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
    provider.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
