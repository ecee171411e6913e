"""Errors of the policy endpoints."""

from app.core.errors import ConflictError, NotFoundError


class PolicyExistsError(ConflictError):
    error_code = "POLICY_EXISTS"
    detail = "This policy exists already."


class PolicyNotFoundError(NotFoundError):
    error_code = "POLICY_NOT_FOUND"
    detail = "No such policy."


class PolicyProtectedError(ConflictError):
    error_code = "POLICY_PROTECTED"
    detail = "The admins' grant of everything cannot be removed: nobody could manage policies."


class UnknownPermissionNameError(NotFoundError):
    # 404 like an unknown user id in a role assignment: the body is well formed, it names
    # something that does not exist (the schema cannot list what modules declare at run time).
    error_code = "UNKNOWN_PERMISSION"
    detail = "No module declares this object and action; GET /api/v1/authz/permissions lists them."


class RoleAssignmentExistsError(ConflictError):
    error_code = "ROLE_ASSIGNMENT_EXISTS"
    detail = "This role assignment exists already."


class RoleInheritsItselfError(ConflictError):
    # A conflict with what roles are, not a malformed body: the schema cannot say it.
    error_code = "ROLE_INHERITS_ITSELF"
    detail = "A role cannot inherit itself."


class RoleAssignmentNotFoundError(NotFoundError):
    error_code = "ROLE_ASSIGNMENT_NOT_FOUND"
    detail = "No such role assignment."
