"""Structured logs with structlog: JSON in production, readable in development.

Every library's records (uvicorn, SQLAlchemy, the app's own `logging` calls) go
through the same processors, so each line carries the request's context: request
id, method and path (the middleware), route template (`bind_route`) and user id
(the auth dependency). Status and latency come with the access line at the end.
"""

import logging
import sys
from typing import Any

import structlog
from fastapi import Request
from structlog.types import EventDict, Processor

from app.core.config import Environment, Settings

# Keys whose values never reach a log line, wherever they appear.
SECRET_KEYS = frozenset(
    {
        "password",
        "new_password",
        "current_password",
        "token",
        "access_token",
        "refresh_token",
        "authorization",
        "secret_key",
        "smtp_password",
        "cookie",
    }
)


def redact_secrets(_logger: Any, _method: str, event_dict: EventDict) -> EventDict:
    for key in SECRET_KEYS.intersection(event_dict):
        event_dict[key] = "[redacted]"
    return event_dict


def configure_logging(settings: Settings) -> None:
    """Route every log record through structlog; call once per process."""
    json_output = settings.log_format == "json" or (
        settings.log_format == "auto" and settings.environment == Environment.PRODUCTION
    )
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact_secrets,
    ]
    rendering: list[Processor] = [structlog.stdlib.ProcessorFormatter.remove_processors_meta]
    if json_output:
        rendering += [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
    else:
        # Plain tracebacks, as in JSON: the rich default prints every frame's local
        # variables (a password, a token) and takes seconds to render.
        console = structlog.dev.ConsoleRenderer(
            colors=sys.stderr.isatty(), exception_formatter=structlog.dev.plain_traceback
        )
        rendering.append(console)
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(foreign_pre_chain=shared, processors=rendering)
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(settings.log_level)
    # aiosqlite's DEBUG lines repeat every statement with its parameters (password
    # hashes, one-time values), which the engine hides from its own lines.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
    # The access line comes from our middleware, with more context than uvicorn's.
    logging.getLogger("uvicorn.access").disabled = True
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True


async def bind_route(request: Request) -> None:
    """Add the matched route *template* to the log context (an app-wide dependency)."""
    route = request.scope.get("route")
    structlog.contextvars.bind_contextvars(route=getattr(route, "path", None))
