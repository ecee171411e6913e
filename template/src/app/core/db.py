"""The async engine, the session factory and the request's `SessionDep`."""

import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any

import structlog
from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import QueuePool
from sqlmodel import Session as SyncSession
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.config import Settings
from app.core.errors import AppError
from app.core.metrics import DB_POOL, DB_QUERIES, DB_QUERY_SECONDS, DB_SLOW_QUERIES
from app.core.services import services_of
from app.core.session_cache import commit_and_forget

logger = structlog.get_logger(__name__)


def create_engine(settings: Settings) -> AsyncEngine:
    """A pooled async engine configured from settings.

    Its log lines and error messages show statements but never their parameters:
    those hold password hashes and one-time values (OAuth state, PKCE verifiers).
    """
    url = make_url(settings.sqlalchemy_database_url)
    if url.get_backend_name() == "sqlite":
        engine = create_async_engine(url, echo=settings.database_echo, hide_parameters=True)
        _make_sqlite_transactional(engine)
        return engine
    connect_args: dict[str, Any] = {}
    if url.get_driver_name() == "asyncpg":
        connect_args["server_settings"] = {
            "statement_timeout": str(settings.database_statement_timeout_ms),
        }
        connect_args["timeout"] = settings.database_connect_timeout_seconds
    return create_async_engine(
        url,
        echo=settings.database_echo,
        hide_parameters=True,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pool_timeout=settings.database_pool_timeout_seconds,
        pool_recycle=settings.database_pool_recycle_seconds,
        # Off by default: a ping is a round trip before every checkout. A connection the
        # server dropped fails its one request; SQLAlchemy then refreshes the pool.
        pool_pre_ping=settings.database_pool_pre_ping,
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


@dataclass
class QueryStats:
    """Totals since start, for `/api/v1/health/detailed`."""

    count: int = 0
    total_seconds: float = 0.0
    slow: int = 0


def monitor_engine(engine: AsyncEngine, slow_query_ms: int) -> QueryStats:
    """Count and time every statement; log the slow ones, without their parameters."""
    stats = QueryStats()
    threshold = slow_query_ms / 1000

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _start(conn: Any, _cursor: Any, _statement: str, *_: Any) -> None:
        conn.info.setdefault("query_started", []).append(time.perf_counter())

    @event.listens_for(engine.sync_engine, "after_cursor_execute")
    def _finish(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        elapsed = time.perf_counter() - conn.info["query_started"].pop()
        stats.count += 1
        stats.total_seconds += elapsed
        DB_QUERIES.inc()
        DB_QUERY_SECONDS.observe(elapsed)
        if elapsed >= threshold:
            stats.slow += 1
            DB_SLOW_QUERIES.inc()
            # The statement has placeholders; parameter values may be personal data.
            logger.warning("slow query", duration_ms=round(elapsed * 1000, 1), statement=statement)

    for state in ("size", "checked_out", "overflow"):
        DB_POOL.labels(state).set_function(partial(_pool_stat, engine, state))
    return stats


def _pool_stat(engine: AsyncEngine, state: str) -> float:
    return pool_stats(engine).get(state, 0)


def pool_stats(engine: AsyncEngine) -> dict[str, int]:
    """Connections of a queue pool; empty for pools without a queue (SQLite in memory)."""
    pool = engine.pool
    if not isinstance(pool, QueuePool):
        return {}
    # SQLAlchemy counts overflow from -size upwards; clients want "extra connections now".
    overflow = max(pool.overflow(), 0)
    return {"size": pool.size(), "checked_out": pool.checkedout(), "overflow": overflow}


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: objects stay readable after the commit without
    # another round trip to the database.
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


SessionFactory = Callable[[], AbstractAsyncContextManager[AsyncSession]]


@dataclass(slots=True)
class Database:
    """The engine, its statistics, and where request sessions come from (tests swap it)."""

    engine: AsyncEngine
    query_stats: QueryStats
    session_factory: SessionFactory
    # Sessions that run each statement on its own, with no BEGIN and COMMIT around it:
    # a lookup costs one round trip instead of three. For reads only (the caller of a
    # GET); None where it brings nothing (SQLite) or must not be used (a test's session).
    read_only_session_factory: SessionFactory | None = None

    def read_only_session(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A session for a read that needs no transaction."""
        return (self.read_only_session_factory or self.session_factory)()


def open_database(settings: Settings) -> Database:
    """Create the pooled engine; it connects on first use, not here."""
    engine = create_engine(settings)
    stats = monitor_engine(engine, settings.database_slow_query_ms)
    read_only = None
    if engine.dialect.name == "postgresql":
        read_only = create_read_only_session_factory(engine)
    return Database(engine, stats, create_session_factory(engine), read_only)


class ReadOnlySessionError(RuntimeError):
    """Something tried to write through a read-only session (a programming error)."""


class _ReadOnlySyncSession(SyncSession):
    """The synchronous side of a read-only session."""


@event.listens_for(_ReadOnlySyncSession, "before_flush")
def _refuse_writes(session: SyncSession, _context: Any, _instances: Any) -> None:
    # Without a transaction each statement would commit on its own.
    if session.new or session.dirty or session.deleted:
        raise ReadOnlySessionError("a read-only session cannot write; use SessionDep")


def create_read_only_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that run each statement on its own (no BEGIN, no COMMIT) and refuse writes."""
    return async_sessionmaker(
        engine.execution_options(isolation_level="AUTOCOMMIT"),
        class_=AsyncSession,
        sync_session_class=_ReadOnlySyncSession,
        expire_on_commit=False,
    )


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request, committed once when the endpoint has succeeded."""
    async with services_of(request.app).database.session_factory() as session:
        cache = services_of(request.app).session_cache
        try:
            yield session
        except AppError as exc:
            if exc.commit_changes:
                await commit_and_forget(session, cache)
            raise
        await commit_and_forget(session, cache)


async def release_connection(session: AsyncSession) -> None:
    """End `session`'s transaction, which has only read, so its pooled connection serves
    other requests while this one waits for something slow (the password hasher).

    The next statement begins a new transaction on whichever connection is free; the
    objects read stay usable (`expire_on_commit=False`). Under READ COMMITTED each
    statement sees its own snapshot anyway, so no guarantee is lost. Call it only before
    any write: it refuses pending changes, and cannot see a write made by a bare
    `UPDATE`/`INSERT` statement.
    """
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("release_connection() would commit pending changes")
    await session.commit()


async def get_read_only_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session for endpoints that only read: one round trip per query, no BEGIN/COMMIT.

    It sees each statement's own snapshot (as READ COMMITTED does anyway) and refuses to
    write; an endpoint that may write, even an audit row, takes `SessionDep` instead.
    """
    async with services_of(request.app).database.read_only_session() as session:
        yield session


async def get_session_factory(request: Request) -> SessionFactory:
    """Where sessions come from, for work that runs after the response (a background task)."""
    return services_of(request.app).database.session_factory


SessionFactoryDep = Annotated[SessionFactory, Depends(get_session_factory)]

# scope="function": the commit runs before the response is sent, so a failed
# commit becomes an error response instead of a lost write behind a 2xx.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
ReadOnlySessionDep = Annotated[AsyncSession, Depends(get_read_only_session, scope="function")]
