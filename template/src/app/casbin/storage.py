"""Where the policies live: the adapter inside a session's transaction, and the version counter.

`casbin-async-sqlalchemy-adapter` reads and writes the rules. It is handed a plain
SQLAlchemy session on the connection of the app's session, so every read and write
happens in that session's transaction (the request's, committed once; the tests',
rolled back), inside a SAVEPOINT of its own. Not the app's session itself: SQLModel
marks the `execute` the adapter calls as deprecated, and the tests turn warnings into
errors.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from casbin_async_sqlalchemy_adapter import Adapter
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.ext.asyncio import AsyncSession as PlainSession
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.casbin.models import VERSION_ROW_ID, CasbinRule, PolicyVersion


@asynccontextmanager
async def policy_storage(session: AsyncSession) -> AsyncIterator["PolicyStorage"]:
    """The policy tables, read and written in `session`'s transaction."""
    connection = await session.connection()
    # Its own SAVEPOINT inside that transaction: its "commit" only releases the savepoint,
    # and the transaction commits (or rolls back) with the app's session.
    async with PlainSession(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    ) as plain:
        yield PolicyStorage(plain, connection.engine)
        await plain.commit()


class PolicyStorage:
    """The adapter and the version counter, on one transaction."""

    def __init__(self, session: PlainSession, engine: AsyncEngine) -> None:
        self.session = session
        # Given a session, the adapter never uses the session factory it builds on `engine`.
        self.adapter = Adapter(engine, db_class=CasbinRule, db_session=session)

    async def version(self) -> int:
        """The policy version: raised by every change, read by every process."""
        statement = select(col(PolicyVersion.version)).where(
            col(PolicyVersion.id) == VERSION_ROW_ID
        )
        return int((await self.session.execute(statement)).scalar_one())

    async def raise_version(self) -> None:
        """Tell every process to reload (after this transaction commits)."""
        await self.session.execute(
            update(PolicyVersion)
            .where(col(PolicyVersion.id) == VERSION_ROW_ID)
            .values(version=col(PolicyVersion.version) + 1)
        )
