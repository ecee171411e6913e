"""Errors of the tasks domain."""

from app.core.errors import NotFoundError


class TaskNotFoundError(NotFoundError):
    """Also the answer for another user's tasks: whether they exist stays private."""

    detail = "Task not found."
