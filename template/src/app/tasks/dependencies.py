"""Dependencies of the tasks routes: whose tasks, and may the caller touch them."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Query

from app.core.context import RequestContextDep
from app.core.db import SessionDep
from app.core.permissions import AuthorizerDep, record_denial
from app.tasks import service
from app.tasks.models import Task
from app.tasks.schemas import TaskFilters
from app.users import service as users_service
from app.users.dependencies import CurrentUser, PathUserId
from app.users.exceptions import HiddenUserError


def task_owner(action: str) -> Callable[..., Awaitable[uuid.UUID]]:
    """A dependency giving the path's `user_id` (or the caller's, for `me`) once the
    caller may `action` that user's tasks."""

    async def owner_id(
        user_id: PathUserId,
        current: CurrentUser,
        authorizer: AuthorizerDep,
        session: SessionDep,
        context: RequestContextDep,
    ) -> uuid.UUID:
        if not await authorizer.is_allowed(current, "tasks", action, owner_id=user_id):
            # 404, not 403, and the answer an admin gets for an unknown user: a
            # stranger learns nothing about which users exist.
            record_denial(session, context, current, "tasks", action, owner_id=user_id)
            raise HiddenUserError
        if user_id != current.id:
            await users_service.get_user(session, user_id)  # an admin naming an unknown user
        return user_id

    return owner_id


ReadableOwner = Annotated[uuid.UUID, Depends(task_owner("read"))]
WritableOwner = Annotated[uuid.UUID, Depends(task_owner("write"))]


async def get_writable_task(
    task_id: uuid.UUID, owner_id: WritableOwner, session: SessionDep
) -> Task:
    return await service.get_task(session, owner_id, task_id)


WritableTask = Annotated[Task, Depends(get_writable_task)]
TaskFiltersDep = Annotated[TaskFilters, Query()]
