"""Request ids: accept a sane `X-Request-ID` or make one, and echo it back.

The id (with method and path) is also bound to the log context, so every log
line written while the request is answered carries it.

Pure ASGI on purpose: `BaseHTTPMiddleware` costs a large share of throughput.
"""

import re
import uuid
from collections.abc import MutableMapping
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def get_request_id(scope: MutableMapping[str, Any]) -> str:
    """The id of the request in `scope` (empty before the middleware ran)."""
    request_id: str = scope.get("state", {}).get("request_id", "")
    return request_id


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = self._incoming_id(scope) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(
            request_id=request_id, method=scope["method"], path=scope["path"]
        )
        header = (REQUEST_ID_HEADER.lower().encode(), request_id.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0] != header[0]]
                message["headers"] = [*headers, header]
            await send(message)

        await self.app(scope, receive, send_with_id)

    @staticmethod
    def _incoming_id(scope: Scope) -> str | None:
        wanted = REQUEST_ID_HEADER.lower().encode()
        for name, value in scope["headers"]:
            if name == wanted:
                candidate = value.decode("latin-1")
                # Anything else could forge log lines; make a fresh id instead.
                return candidate if _VALID_REQUEST_ID.match(candidate) else None
        return None
