"""Read-only sessions: no transaction around a read where the database allows it, no writes;
and handing a session's connection back while a request waits."""

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.config import Settings
from app.core.db import (
    ReadOnlySessionError,
    create_read_only_session_factory,
    open_database,
    release_connection,
)
from app.users.models import User


async def test_a_read_only_session_refuses_to_write(engine: AsyncEngine) -> None:
    async with create_read_only_session_factory(engine)() as session:
        session.add(User(email="reader@example.com"))
        with pytest.raises(ReadOnlySessionError, match="cannot write"):
            await session.flush()


async def test_postgresql_reads_outside_a_transaction(
    engine: AsyncEngine, settings: Settings
) -> None:
    """On PostgreSQL a read is one round trip (no BEGIN, no COMMIT); SQLite has no need."""
    database = open_database(settings)
    try:
        if engine.dialect.name != "postgresql":
            assert database.read_only_session_factory is None
            return
        async with database.read_only_session() as session:
            assert await session.scalar(select(1)) == 1
            raw = await (await session.connection()).get_raw_connection()
            assert raw.driver_connection is not None
            assert not raw.driver_connection.is_in_transaction()
    finally:
        await database.engine.dispose()


async def test_releasing_the_connection_refuses_pending_changes(engine: AsyncEngine) -> None:
    async with AsyncSession(engine) as session:
        session.add(User(email="pending@example.com"))
        with pytest.raises(RuntimeError, match="pending changes"):
            await release_connection(session)
