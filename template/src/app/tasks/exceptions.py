"""Errors of the tasks domain."""

from app.core.errors import NotFoundError


class TaskNotFoundError(NotFoundError):
    """No such task in this user's list (another user's list answers `User not found.`)."""

    detail = "Task not found."
