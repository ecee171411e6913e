"""The task list is served by an index at 100,000 rows, on SQLite and PostgreSQL."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import insert, text
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.models import utcnow
from app.core.pagination import PageParams, page_query
from app.tasks import service
from app.tasks.models import Task
from app.tasks.schemas import TaskFilters, TaskOrder
from app.users.models import User

USERS, TASKS_EACH = 100, 1_000


async def seed(session: AsyncSession) -> uuid.UUID:
    connection = await session.connection()
    now = utcnow()
    user_ids = [uuid.uuid4() for _ in range(USERS)]
    await connection.execute(
        insert(User),
        [
            {
                "id": i,
                "email": f"{i}@example.com",
                "role": "user",
                "is_active": True,
                "created_at": now,
                "updated_at": now,
            }
            for i in user_ids
        ],
    )
    for user_id in user_ids:
        await connection.execute(
            insert(Task),
            [
                {
                    "id": uuid.uuid4(),
                    "user_id": user_id,
                    "title": f"Task {n}",
                    "completed": n % 3 == 0,
                    "priority": "medium",
                    "created_at": now - timedelta(minutes=n),
                    "updated_at": now,
                }
                for n in range(TASKS_EACH)
            ],
        )
    postgresql = connection.dialect.name == "postgresql"
    await connection.execute(text("ANALYZE tasks" if postgresql else "ANALYZE"))
    return user_ids[0]


async def explain(session: AsyncSession, user_id: uuid.UUID, filters: TaskFilters) -> str:
    query = page_query(
        service.list_query(user_id, filters, TaskOrder.CREATED_AT_DESC), PageParams(page=1, size=20)
    )
    connection = await session.connection()
    dialect = connection.dialect
    sql = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    prefix = "EXPLAIN" if dialect.name == "postgresql" else "EXPLAIN QUERY PLAN"
    rows = (await connection.execute(text(f"{prefix} {sql}"))).all()
    return "\n".join(str(row[-1]) for row in rows)


@pytest.mark.parametrize("filters", [TaskFilters(), TaskFilters(completed=False)])
async def test_list_query_uses_an_index(db_session: AsyncSession, filters: TaskFilters) -> None:
    user_id = await seed(db_session)
    plan = await explain(db_session, user_id, filters)
    print(plan)  # shown with `pytest -s`
    assert "ix_tasks_user_id_" in plan, plan
    assert "Seq Scan on tasks" not in plan, plan
    assert "SCAN tasks\n" not in plan + "\n", plan
