"""Errors of the tasks domain."""

from app.core.errors import ConflictError, NotFoundError


class TaskNotFoundError(NotFoundError):
    """Also the answer for another user's tasks: whether they exist stays private."""

    detail = "Task not found."


class TaskLimitReachedError(ConflictError):
    error_code = "TASK_LIMIT_REACHED"
    detail = "You have as many tasks as one user may keep; delete some first."
