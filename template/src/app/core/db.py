"""The async engine, the session factory and the request's `SessionDep`."""

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.config import Settings
from app.core.errors import AppError


def create_engine(settings: Settings) -> AsyncEngine:
    """A pooled async engine configured from settings."""
    url = make_url(settings.sqlalchemy_database_url)
    if url.get_backend_name() == "sqlite":
        engine = create_async_engine(url, echo=settings.database_echo)
        _make_sqlite_transactional(engine)
        return engine
    connect_args: dict[str, Any] = {}
    if url.get_driver_name() == "asyncpg":
        connect_args["server_settings"] = {
            "statement_timeout": str(settings.database_statement_timeout_ms),
        }
    return create_async_engine(
        url,
        echo=settings.database_echo,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pool_timeout=settings.database_pool_timeout_seconds,
        pool_recycle=settings.database_pool_recycle_seconds,
        pool_pre_ping=True,
        connect_args=connect_args,
    )


def _make_sqlite_transactional(engine: AsyncEngine) -> None:
    """Enforce foreign keys and let SQLAlchemy, not the driver, open transactions.

    The sqlite3 driver's own transaction handling breaks SAVEPOINTs (which the
    tests' rollback-per-test relies on); this is the fix SQLAlchemy documents.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: objects stay readable after the commit without
    # another round trip to the database.
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request, committed once when the endpoint has succeeded."""
    session_factory: async_sessionmaker[AsyncSession] = request.app.state.session_factory
    async with session_factory() as session:
        try:
            yield session
        except AppError as exc:
            if exc.commit_changes:
                await session.commit()
            raise
        await session.commit()


# scope="function": the commit runs before the response is sent, so a failed
# commit becomes an error response instead of a lost write behind a 2xx.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
