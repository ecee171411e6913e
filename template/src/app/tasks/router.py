"""`/api/v1/users/{user_id}/tasks`: a user's to-do list, for them or an admin."""

import uuid

from fastapi import APIRouter, status

from app.core import audit
from app.core.context import RequestContextDep
from app.core.db import ReadOnlySessionDep, SessionDep
from app.core.errors import ERROR_RESPONSES
from app.core.module import API_PREFIX
from app.core.pagination import Page, PageParamsDep, make_page
from app.tasks import service
from app.tasks.config import TasksSettingsDep
from app.tasks.dependencies import ReadableOwner, TaskFiltersDep, WritableOwner, WritableTask
from app.tasks.schemas import (
    TaskCompletion,
    TaskCreate,
    TaskOrder,
    TaskRead,
    TaskReplace,
    TaskUpdate,
)
from app.users.dependencies import CurrentUser

router = APIRouter(
    prefix=f"{API_PREFIX}/users/{{user_id}}/tasks", tags=["tasks"], responses=ERROR_RESPONSES
)


@router.get("")
async def list_tasks(
    owner_id: ReadableOwner,
    session: ReadOnlySessionDep,
    filters: TaskFiltersDep,
    params: PageParamsDep,
    order_by: TaskOrder = TaskOrder.CREATED_AT_DESC,
) -> Page[TaskRead]:
    """The user's tasks, filtered, ordered (`-field` for descending) and paginated."""
    tasks, total = await service.list_tasks(session, owner_id, filters, order_by, params)
    return make_page([TaskRead.model_validate(t) for t in tasks], total, params)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_task(
    body: TaskCreate, owner_id: WritableOwner, session: SessionDep, settings: TasksSettingsDep
) -> TaskRead:
    """Add a task; 409 `TASK_LIMIT_REACHED` past `TASKS_MAX_PER_USER`."""
    task = await service.create_task(session, owner_id, body, max_per_user=settings.max_per_user)
    return TaskRead.model_validate(task)


@router.get("/{task_id}")
async def read_task(
    task_id: uuid.UUID, owner_id: ReadableOwner, session: ReadOnlySessionDep
) -> TaskRead:
    return TaskRead.model_validate(await service.get_task(session, owner_id, task_id))


@router.put("/{task_id}")
async def replace_task(body: TaskReplace, task: WritableTask, session: SessionDep) -> TaskRead:
    """Replace the whole task; omitted fields take their defaults."""
    return TaskRead.model_validate(await service.update_task(session, task, body.model_dump()))


@router.patch("/{task_id}")
async def update_task(body: TaskUpdate, task: WritableTask, session: SessionDep) -> TaskRead:
    """Change the fields sent."""
    changes = body.model_dump(exclude_unset=True)
    return TaskRead.model_validate(await service.update_task(session, task, changes))


@router.patch("/{task_id}/complete")
async def complete_task(body: TaskCompletion, task: WritableTask, session: SessionDep) -> TaskRead:
    """Mark the task done (or not done again)."""
    changes = {"completed": body.completed}
    return TaskRead.model_validate(await service.update_task(session, task, changes))


@router.delete("/{task_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_task(
    task: WritableTask, current: CurrentUser, session: SessionDep, context: RequestContextDep
) -> None:
    """Delete the task; the audit log keeps who deleted which (`tasks.deleted`)."""
    await service.delete_task(session, task)
    audit.record(
        session,
        "tasks.deleted",
        context,
        actor_id=current.id,
        target_id=task.user_id,
        task_id=str(task.id),
    )
