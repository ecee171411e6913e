"""Bodies of the policy and role-assignment endpoints.

A subject is a role name (`editor`) or one user's id; objects and actions are the
names modules declare (`tasks`, `write`), or `*` for all of them.
"""

import re
import uuid
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from app.core.schemas import StrictModel

ROLE_NAME = re.compile(r"[a-z][a-z0-9_-]{0,62}")
# The same rule for the schema, with "not an id": `uuid.UUID` reads any 32 hex digits,
# hyphens anywhere, as an id.
ROLE_NAME_PATTERN = r"^(?!(?:-*[0-9a-f]){32}-*$)[a-z][a-z0-9_-]{0,62}$"


def _role_name(value: str) -> str:
    # Role names and user ids share Casbin's subject column: a role must not look like an id.
    if not ROLE_NAME.fullmatch(value) or _as_user_id(value) is not None:
        raise ValueError("a role name is a-z, 0-9, - and _, starts with a letter, is not an id")
    return value


def _subject(value: str) -> str:
    user_id = _as_user_id(value)
    return str(user_id) if user_id is not None else _role_name(value)  # one spelling per id


def _as_user_id(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


RoleName = Annotated[
    str,
    StringConstraints(max_length=63),
    AfterValidator(_role_name),
    Field(json_schema_extra={"pattern": ROLE_NAME_PATTERN}),
]
Subject = Annotated[
    str,
    StringConstraints(max_length=63),
    AfterValidator(_subject),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "uuid"},
                {"type": "string", "maxLength": 63, "pattern": ROLE_NAME_PATTERN},
            ]
        }
    ),
]
Name = Annotated[str, StringConstraints(pattern=r"^(\*|[a-z][a-z0-9_]{0,62})$")]


class PolicyScope(StrEnum):
    """`any` thing of that kind, or only those the caller `own`s."""

    ANY = "any"
    OWN = "own"


class Policy(StrictModel):
    """`subject` (a role or a user id) may do `action` on `object`: any such thing, or its own."""

    subject: Subject
    object: Name
    action: Name
    scope: PolicyScope = PolicyScope.ANY

    def rule(self) -> list[str]:
        """The policy as Casbin's values: `[sub, obj, act, scope]`."""
        return [self.subject, self.object, self.action, self.scope.value]


def _one_member_schema(schema: dict[str, Any]) -> None:
    """The schema says it too: one of `user_id` and `member_role`, the other absent or null."""
    schema["oneOf"] = [
        {
            "required": [present],
            "properties": {present: {"type": "string"}, absent: {"type": "null"}},
        }
        for present, absent in (("user_id", "member_role"), ("member_role", "user_id"))
    ]


class RoleAssignment(StrictModel):
    """`user_id` (one user) or `member_role` (every holder of it) gets `role`'s grants."""

    model_config = ConfigDict(json_schema_extra=_one_member_schema)

    user_id: uuid.UUID | None = None
    member_role: RoleName | None = None
    role: RoleName

    @model_validator(mode="after")
    def _one_member(self) -> Self:
        if (self.user_id is None) == (self.member_role is None):
            raise ValueError("give either user_id or member_role")
        return self

    def rule(self) -> list[str]:
        """The assignment as Casbin's values: `[member, role]`."""
        return [str(self.user_id or self.member_role), self.role]

    @classmethod
    def from_rule(cls, member: str, role: str) -> "RoleAssignment":
        user_id = _as_user_id(member)
        return cls(user_id=user_id, member_role=None if user_id else member, role=role)


class PermissionRead(BaseModel):
    """A permission a module declares, and its default grants per role."""

    object: str
    action: str
    default_grants: dict[str, PolicyScope]
