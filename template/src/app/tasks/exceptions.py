"""Errors of the tasks domain."""

from app.core.errors import ConflictError, NotFoundError


class TaskNotFoundError(NotFoundError):
    """No such task in this user's list (another user's list answers `User not found.`)."""

    detail = "Task not found."


class TaskLimitReachedError(ConflictError):
    error_code = "TASK_LIMIT_REACHED"
    detail = "You have as many tasks as one user may keep; delete some first."
