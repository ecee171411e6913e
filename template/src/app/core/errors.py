"""One JSON error envelope for every error the API returns.

`{"detail", "error_code", "status_code", "timestamp", "path", "request_id"}`, plus
`errors` with field locations for validation errors. Domain code raises an
`AppError` subclass; the handlers here turn every other failure into the same shape.
"""

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.middleware import REQUEST_ID_HEADER, get_request_id

logger = logging.getLogger(__name__)

BEARER_CHALLENGE: Mapping[str, str] = {"WWW-Authenticate": "Bearer"}
INVALID_TOKEN_CHALLENGE: Mapping[str, str] = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


class AppError(Exception):
    """Base of every error the API answers on purpose."""

    status_code = 400
    error_code = "BAD_REQUEST"
    detail = "The request cannot be processed."
    headers: Mapping[str, str] | None = None
    # True for errors that record something on the way out (a token family
    # revoked after reuse): the request's session commits before answering.
    commit_changes = False

    def __init__(self, detail: str | None = None) -> None:
        if detail is not None:
            self.detail = detail
        super().__init__(self.detail)


class NotAuthenticatedError(AppError):
    status_code = 401
    error_code = "NOT_AUTHENTICATED"
    detail = "Authentication required."
    headers = BEARER_CHALLENGE


class ForbiddenError(AppError):
    status_code = 403
    error_code = "FORBIDDEN"
    detail = "You are not allowed to do this."


class NotFoundError(AppError):
    status_code = 404
    error_code = "NOT_FOUND"
    detail = "Not found."


class ConflictError(AppError):
    status_code = 409
    error_code = "CONFLICT"
    detail = "The request conflicts with existing data."


class RetryLaterError(AppError):
    """Refused for now: `Retry-After` says in how many seconds to try again."""

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.headers = {"Retry-After": str(retry_after)}


class ServiceUnavailableError(AppError):
    status_code = 503
    error_code = "SERVICE_UNAVAILABLE"
    detail = "A service this request needs is unavailable; try again shortly."


class ErrorEnvelope(BaseModel):
    """The body of every error response."""

    detail: str
    error_code: str
    status_code: int
    timestamp: datetime
    path: str
    request_id: str
    errors: list[dict[str, Any]] | None = None


# Documented on every router, so OpenAPI (and clients generated from it) know
# the envelope instead of FastAPI's default validation error shape.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope, "description": description}
    for status, description in {
        400: "Bad request",
        401: "Not authenticated",
        403: "Forbidden",
        404: "Not found",
        409: "Conflict",
        422: "Validation error",
        429: "Too many requests",
        500: "Internal error",
        503: "Service unavailable",
    }.items()
}

HTTP_ERROR_CODES = {
    400: "BAD_REQUEST",
    401: "NOT_AUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    503: "SERVICE_UNAVAILABLE",
}


def error_response(
    request: Request,
    *,
    status_code: int,
    error_code: str,
    detail: str,
    headers: Mapping[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> JSONResponse:
    """Build the envelope; used by every handler below and by health checks."""
    request_id = get_request_id(request.scope)
    body: dict[str, Any] = {
        "detail": detail,
        "error_code": error_code,
        "status_code": status_code,
        "timestamp": datetime.now(UTC).isoformat(),
        "path": request.url.path,
        "request_id": request_id,
    }
    if errors is not None:
        body["errors"] = errors
    # The 500 handler runs outside the request-id middleware, so the header is
    # set here for every error response.
    all_headers = {**(headers or {}), REQUEST_ID_HEADER: request_id}
    return JSONResponse(body, status_code=status_code, headers=all_headers)


async def _app_error(request: Request, exc: AppError) -> JSONResponse:
    return error_response(
        request,
        status_code=exc.status_code,
        error_code=exc.error_code,
        detail=exc.detail,
        headers=exc.headers,
    )


# Starlette's own 404 and 405 carry only the status phrase ("Not Found"); every
# other message of the API is a sentence.
HTTP_ERROR_SENTENCES = {
    404: "No route matches this path.",
    405: "This route does not answer the {method} method.",
}


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    detail = str(exc.detail)
    if detail == HTTPStatus(exc.status_code).phrase:
        sentence = HTTP_ERROR_SENTENCES.get(exc.status_code, f"{detail}.")
        detail = sentence.format(method=request.method)
    return error_response(
        request,
        status_code=exc.status_code,
        error_code=HTTP_ERROR_CODES.get(exc.status_code, "HTTP_ERROR"),
        detail=detail,
        headers=exc.headers,
    )


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    # Only location, message and type: the raw error may hold the input (a
    # password) or objects that are not JSON.
    errors = [
        {"loc": list(error["loc"]), "msg": error["msg"], "type": error["type"]}
        for error in exc.errors()
    ]
    return error_response(
        request,
        status_code=422,
        error_code="VALIDATION_ERROR",
        detail="The request is not valid; see `errors`.",
        errors=errors,
    )


async def _integrity_error(request: Request, exc: Exception) -> JSONResponse:
    # A race the service's own checks could not see (two signups with one email).
    return await _app_error(request, ConflictError())


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    logger.warning("database unavailable: %s", type(exc).__name__)
    return await _app_error(request, ServiceUnavailableError("The database is unavailable."))


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error", exc_info=exc)
    return error_response(
        request,
        status_code=500,
        error_code="INTERNAL_ERROR",
        detail="An unexpected error occurred.",
    )


def register_error_handlers(app: FastAPI) -> None:
    """Install the envelope for every error path, 404/405/422/500 included."""
    # The decorator form: typed for handlers of a specific exception class.
    app.exception_handler(AppError)(_app_error)
    app.exception_handler(StarletteHTTPException)(_http_error)
    app.exception_handler(RequestValidationError)(_validation_error)
    app.exception_handler(IntegrityError)(_integrity_error)
    for unavailable in (OperationalError, InterfaceError, PoolTimeoutError):
        app.exception_handler(unavailable)(_database_unavailable)
    app.exception_handler(Exception)(_unexpected_error)
