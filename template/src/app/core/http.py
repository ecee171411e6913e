"""HTTP hygiene as pure ASGI middleware: security headers, trusted hosts, body size.

`install_http_middleware` also adds CORS and gzip, in the order that lets every
refusal still answer the error envelope with security headers.
"""

import contextlib

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.config import Environment, Settings
from app.core.errors import error_response, unexpected_error_response
from app.core.metrics import ObservabilityMiddleware
from app.core.middleware import RequestIdMiddleware

# JSON answers load nothing. The docs pages load their own assets from this
# service, plus the inline script that starts them.
API_CSP = "default-src 'none'; frame-ancestors 'none'"
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")
HSTS = "max-age=63072000; includeSubDomains"


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = DOCS_CSP if scope["path"].startswith(DOCS_PATHS) else API_CSP
        headers = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
            (b"content-security-policy", csp.encode()),
        ]
        if self.hsts:
            headers.append((b"strict-transport-security", HSTS.encode()))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class TrustedHostMiddleware:
    """Refuse requests whose Host is not allowed (`*.example.com` matches subdomains)."""

    def __init__(self, app: ASGIApp, *, allowed_hosts: list[str]) -> None:
        self.app = app
        self.allowed_hosts = allowed_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self._allowed(scope):
            await self.app(scope, receive, send)
            return
        response = error_response(
            Request(scope),
            status_code=400,
            error_code="INVALID_HOST",
            detail="This host name is not served here.",
        )
        await response(scope, receive, send)

    def _allowed(self, scope: Scope) -> bool:
        host = dict(scope["headers"]).get(b"host", b"").decode("latin-1").rsplit(":", 1)[0]
        for pattern in self.allowed_hosts:
            if pattern == "*" or host == pattern:
                return True
            if pattern.startswith("*.") and host.endswith(pattern[1:]):
                return True
        return False


class BodySizeLimitMiddleware:
    """Refuse bodies over `max_bytes` with 413, before the app reads them all."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0
        too_large = False

        async def counting_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                too_large = True
                raise _BodyTooLargeError
            return message

        async def guarded_send(message: Message) -> None:
            # The app answers the failed read its own way (FastAPI: a 400);
            # that answer is replaced by the 413 below.
            if not too_large:
                await send(message)

        with contextlib.suppress(_BodyTooLargeError):
            await self.app(scope, counting_receive, guarded_send)
        if too_large:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(
            Request(scope),
            status_code=413,
            error_code="PAYLOAD_TOO_LARGE",
            detail=f"The request body is over {self.max_bytes} bytes.",
        )
        await response(scope, receive, send)


class _BodyTooLargeError(Exception):
    """A streamed body went past the limit."""


class CatchAllMiddleware:
    """Answer any unhandled exception with the 500 envelope, inside the other middleware.

    Starlette's last-resort handler runs outside every middleware, so its 500
    would go out without the security headers (ASVS 3.4) and uncounted.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started:  # half an answer is out: let the server drop the connection
                raise
            await unexpected_error_response(Request(scope), exc)(scope, receive, send)


def install_http_middleware(app: FastAPI, settings: Settings) -> None:
    """Add the middleware; the last added runs first (outermost)."""
    app.add_middleware(CatchAllMiddleware)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            # Credentials (the session cookie) only for origins named exactly: with `*`,
            # Starlette would echo any origin that sends a cookie.
            allow_credentials="*" not in settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["X-Request-ID", "Retry-After"],
        )
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_request_body_bytes)
    if settings.allowed_hosts != ["*"]:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts)
    app.add_middleware(
        SecurityHeadersMiddleware, hsts=settings.environment == Environment.PRODUCTION
    )
    app.add_middleware(ObservabilityMiddleware)
    app.add_middleware(RequestIdMiddleware)
