"""The task list is served by an index at 100,000 rows, on SQLite and PostgreSQL.

Marked slow (seconds, where a test takes milliseconds): `pytest -m "not slow"` leaves
it out, and its answer changes only with the database and the tasks module.
"""

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.core.models import utcnow
from app.core.pagination import PageParams, page_query
from app.tasks import service
from app.tasks.schemas import TaskFilters, TaskOrder
from app.users.models import User

pytestmark = pytest.mark.slow

USERS, TASKS_EACH = 100, 1_000
EMAIL_DOMAIN = "plan.example"
# Every seeded user's tasks, made by the database in one statement.
INSERT_TASKS = """
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {last})
INSERT INTO tasks (id, user_id, title, completed, priority, created_at, updated_at)
SELECT {new_id}, users.id, 'Task ' || n.i, n.i % 3 = 0, 'medium', {minutes_ago}, {now}
FROM users CROSS JOIN n
WHERE users.email LIKE '%@{domain}'
"""
DIALECT_SQL = {
    "postgresql": {
        "new_id": "gen_random_uuid()",
        "minutes_ago": "now() - n.i * interval '1 minute'",
        "now": "now()",
    },
    "sqlite": {
        "new_id": "lower(hex(randomblob(16)))",  # a UUID as SQLAlchemy stores it on SQLite
        "minutes_ago": "datetime('now', '-' || n.i || ' minutes')",
        "now": "datetime('now')",
    },
}


async def seed(connection: AsyncConnection) -> uuid.UUID:
    """100 users with 1,000 tasks each; returns the first user's id."""
    now = utcnow()
    user_ids = [uuid.uuid4() for _ in range(USERS)]
    await connection.execute(
        insert(User),
        [
            {
                "id": user_id,
                "email": f"{n}@{EMAIL_DOMAIN}",
                "role": "user",
                "is_active": True,
                "created_at": now,
                "updated_at": now,
            }
            for n, user_id in enumerate(user_ids)
        ],
    )
    dialect = connection.dialect.name
    sql = INSERT_TASKS.format(last=TASKS_EACH - 1, domain=EMAIL_DOMAIN, **DIALECT_SQL[dialect])
    await connection.execute(text(sql))
    tasks = await connection.scalar(text("SELECT count(*) FROM tasks"))
    assert tasks == USERS * TASKS_EACH
    await connection.execute(text("ANALYZE tasks" if dialect == "postgresql" else "ANALYZE"))
    return user_ids[0]


@pytest.fixture(scope="module")
async def seeded(engine: AsyncEngine) -> AsyncIterator[tuple[AsyncConnection, uuid.UUID]]:
    """The seeded rows, made once for this module and rolled back after it."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        user_id = await seed(connection)
        yield connection, user_id
        await transaction.rollback()


async def explain(connection: AsyncConnection, user_id: uuid.UUID, filters: TaskFilters) -> str:
    query = page_query(
        service.list_query(user_id, filters, TaskOrder.CREATED_AT_DESC), PageParams(page=1, size=20)
    )
    dialect = connection.dialect
    sql = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    prefix = "EXPLAIN" if dialect.name == "postgresql" else "EXPLAIN QUERY PLAN"
    rows = (await connection.execute(text(f"{prefix} {sql}"))).all()
    return "\n".join(str(row[-1]) for row in rows)


@pytest.mark.parametrize("filters", [TaskFilters(), TaskFilters(completed=False)])
async def test_list_query_uses_an_index(
    seeded: tuple[AsyncConnection, uuid.UUID], filters: TaskFilters
) -> None:
    connection, user_id = seeded
    plan = await explain(connection, user_id, filters)
    print(plan)  # shown with `pytest -s`
    assert "ix_tasks_user_id_" in plan, plan
    assert "Seq Scan on tasks" not in plan, plan
    assert "SCAN tasks\n" not in plan + "\n", plan
