"""Database and connection failures in the error envelope: 409, 422 or 503, never a 500
for something the input or the network caused."""

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from app.core.errors import (
    ConflictError,
    ServiceUnavailableError,
    app_error_response,
    error_response,
    unexpected_error_response,
)

logger = logging.getLogger(__name__)


async def _integrity_error(request: Request, exc: Exception) -> JSONResponse:
    # A race the service's own checks could not see (two signups with one email).
    return app_error_response(request, ConflictError())


async def _data_error(request: Request, exc: Exception) -> JSONResponse:
    # The database refused a value the schemas let through (PostgreSQL: text with
    # a NUL character in a query parameter): the input is at fault, not the service.
    logger.info("database refused a value: %s", type(exc).__name__)
    return error_response(
        request,
        status_code=422,
        error_code="VALIDATION_ERROR",
        detail="A value in the request cannot be stored or searched for (e.g. a NUL character).",
    )


async def _database_error(request: Request, exc: DBAPIError) -> JSONResponse:
    """A driver error SQLAlchemy did not classify: tell by its SQLSTATE whose fault it is."""
    sqlstate = str(getattr(exc.orig, "sqlstate", None) or "")
    if sqlstate.startswith("22"):  # data exception, e.g. 22021: a NUL in text
        return await _data_error(request, exc)
    if sqlstate.startswith(("08", "3D", "53", "57P")):  # connection, no database, shutdown
        return await _database_unavailable(request, exc)
    return unexpected_error_response(request, exc)


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    logger.warning("database unavailable: %s", type(exc).__name__)
    return app_error_response(request, ServiceUnavailableError("The database is unavailable."))


async def _connection_failed(request: Request, exc: Exception) -> JSONResponse:
    # Refused, reset, timed out, unknown host: a server this request needs (the
    # database first of all; drivers raise these unwrapped while connecting).
    logger.warning("service unavailable: %s", type(exc).__name__)
    return app_error_response(request, ServiceUnavailableError())


def register_database_error_handlers(app: FastAPI) -> None:
    app.exception_handler(IntegrityError)(_integrity_error)
    app.exception_handler(DataError)(_data_error)
    app.exception_handler(DBAPIError)(_database_error)
    for unavailable in (OperationalError, InterfaceError, PoolTimeoutError):
        app.exception_handler(unavailable)(_database_unavailable)
    # OSError covers ConnectionError, TimeoutError and socket.gaierror (DNS).
    app.exception_handler(OSError)(_connection_failed)
