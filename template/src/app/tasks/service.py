"""Tasks: the queries. Never commits; the request's session does."""

import uuid
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.models import utcnow
from app.core.pagination import (
    LIKE_ESCAPE,
    PageParams,
    contains_pattern,
    fetch_page,
    order_clauses,
)
from app.tasks.exceptions import TaskLimitReachedError, TaskNotFoundError
from app.tasks.models import Task, TaskPriority
from app.tasks.schemas import TaskCreate, TaskFilters, TaskOrder

_PRIORITY_RANK = case(
    {priority.value: rank for rank, priority in enumerate(TaskPriority)},
    value=col(Task.priority),
)
_ORDER_COLUMNS: dict[str, Any] = {
    "created_at": col(Task.created_at),
    "due_date": col(Task.due_date),
    "priority": _PRIORITY_RANK,
    "title": col(Task.title),
}


async def list_tasks(
    session: AsyncSession,
    user_id: uuid.UUID,
    filters: TaskFilters,
    order_by: TaskOrder,
    params: PageParams,
) -> tuple[list[Task], int]:
    return await fetch_page(session, list_query(user_id, filters, order_by), params)


def list_query(user_id: uuid.UUID, filters: TaskFilters, order_by: TaskOrder) -> Select[Any]:
    """One user's tasks, filtered and ordered; served by the `(user_id, …)` indexes."""
    return (
        sa_select(Task)
        .where(col(Task.user_id) == user_id, *_filter_conditions(filters))
        .order_by(*order_clauses(order_by, _ORDER_COLUMNS, col(Task.id)))
    )


def _filter_conditions(filters: TaskFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.completed is not None:
        conditions.append(col(Task.completed) == filters.completed)
    if filters.priority is not None:
        conditions.append(col(Task.priority) == filters.priority)
    if filters.search:
        pattern = contains_pattern(filters.search)
        conditions.append(
            or_(
                col(Task.title).ilike(pattern, escape=LIKE_ESCAPE),
                col(Task.description).ilike(pattern, escape=LIKE_ESCAPE),
            )
        )
    if filters.due_before is not None:
        conditions.append(col(Task.due_date) < filters.due_before)
    if filters.due_after is not None:
        conditions.append(col(Task.due_date) >= filters.due_after)
    return conditions


async def get_task(session: AsyncSession, user_id: uuid.UUID, task_id: uuid.UUID) -> Task:
    """The task, if it belongs to `user_id`; 404 otherwise, whoever owns it."""
    task = (
        await session.exec(select(Task).where(Task.id == task_id, Task.user_id == user_id))
    ).first()
    if task is None:
        raise TaskNotFoundError
    return task


async def create_task(
    session: AsyncSession, user_id: uuid.UUID, data: TaskCreate, *, max_per_user: int
) -> Task:
    """Add a task, unless the user already keeps `max_per_user` of them."""
    # Counts no further than the limit: a user at it costs no more than that.
    kept = sa_select(col(Task.id)).where(col(Task.user_id) == user_id).limit(max_per_user)
    count = select(func.count()).select_from(kept.subquery())
    if (await session.exec(count)).one() >= max_per_user:
        raise TaskLimitReachedError
    task = Task(user_id=user_id, **data.model_dump())
    session.add(task)
    return task


async def update_task(session: AsyncSession, task: Task, changes: dict[str, Any]) -> Task:
    for field, value in changes.items():
        setattr(task, field, value)
    task.updated_at = utcnow()
    session.add(task)
    return task


async def delete_task(session: AsyncSession, task: Task) -> None:
    await session.delete(task)
