"""Request and response bodies of the users endpoints."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, ClassVar, Self

from email_validator import SPECIAL_USE_DOMAIN_NAMES
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StrictBool,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from app.core.errors import WEAK_PASSWORD_ERROR_TYPE
from app.core.password_policy import MAX_LENGTH, MIN_LENGTH, password_problem
from app.core.permissions import Role
from app.core.schemas import PartialUpdate, QueryModel, StrictModel, UTCTimestamp


def _acceptable_password(password: str) -> str:
    problem = password_problem(password)
    if problem is not None:
        raise PydanticCustomError(WEAK_PASSWORD_ERROR_TYPE, problem)
    return password


def _lowercase(value: str) -> str:
    return value.lower()


# A new password: the rule of `app.core.password_policy`; a refusal answers
# `WEAK_PASSWORD`. The schema states the length limits the rule checks.
Password = Annotated[
    str,
    AfterValidator(_acceptable_password),
    WithJsonSchema({"type": "string", "minLength": MIN_LENGTH, "maxLength": MAX_LENGTH}),
]
# A password being checked, not set. The max length also stops multi-megabyte
# strings from reaching the hasher.
AnyPassword = Annotated[str, Field(min_length=1, max_length=MAX_LENGTH)]
# The address may not end in a special-use name (`.test`, `.local`, ...): email-validator
# refuses them, and the schema says so (each letter in either case).
_SPECIAL_USE = "|".join(
    "".join(f"[{c}{c.upper()}]" if c.isalpha() else c for c in name)
    for name in SPECIAL_USE_DOMAIN_NAMES
)
EMAIL_PATTERN = rf"^(?!.*[@.](?:{_SPECIAL_USE})$).*$"
Email = Annotated[
    EmailStr,
    Field(max_length=320, json_schema_extra={"pattern": EMAIL_PATTERN}),
    AfterValidator(_lowercase),
]
Username = Annotated[
    str,
    Field(min_length=3, max_length=50, pattern=r"^[A-Za-z0-9_.-]+$"),
    AfterValidator(_lowercase),
]
FullName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]


class UserRegister(StrictModel):
    email: Email
    password: Password
    full_name: FullName | None = None
    username: Username | None = None

    @model_validator(mode="after")
    def _password_is_not_email_or_username(self) -> Self:
        problem = password_problem(self.password, email=self.email, username=self.username)
        if problem is not None:
            raise PydanticCustomError(WEAK_PASSWORD_ERROR_TYPE, problem)
        return self


class UserCreate(UserRegister):
    """What an admin may set when creating a user."""

    role: Role = Role.USER
    is_active: StrictBool = True


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    # A new address waiting for its owner to open the emailed link.
    pending_email: str | None
    username: str | None
    full_name: str | None
    role: Role
    is_active: bool
    is_verified: bool
    created_at: datetime
    updated_at: datetime
    last_login_at: datetime | None


class ProfileUpdate(PartialUpdate):
    """The fields of `PATCH /users/{id}` (and `/users/me`) everyone may change; only the
    fields sent are changed; `null` clears a field.

    A new `email` of your own needs `current_password`, and takes effect once the
    link mailed to it is opened.
    """

    required_if_sent: ClassVar[tuple[str, ...]] = ("email",)

    email: Email | SkipJsonSchema[None] = None
    username: Username | None = None
    full_name: FullName | None = None
    current_password: AnyPassword | None = None


class UserUpdate(ProfileUpdate):
    """`PATCH /users/{id}`; `role` and `is_active` are admin-only."""

    required_if_sent = ("email", "role", "is_active")

    role: Role | SkipJsonSchema[None] = None
    is_active: StrictBool | SkipJsonSchema[None] = None


class UserReplace(StrictModel):
    """`PUT /users/{id}`: the whole editable profile; omitted nullable fields become null."""

    email: Email
    username: Username | None = None
    full_name: FullName | None = None
    role: Role | None = None
    is_active: StrictBool | None = None
    # Needed to change your own email (see `ProfileUpdate`).
    current_password: AnyPassword | None = None


class PasswordChange(StrictModel):
    current_password: AnyPassword
    new_password: Password


class UserOrder(StrEnum):
    """Sort keys for the user list; a leading `-` sorts descending."""

    CREATED_AT = "created_at"
    CREATED_AT_DESC = "-created_at"
    EMAIL = "email"
    EMAIL_DESC = "-email"
    LAST_LOGIN_AT = "last_login_at"
    LAST_LOGIN_AT_DESC = "-last_login_at"


class UserFilters(QueryModel):
    """Query parameters of the user list."""

    is_active: bool | None = None
    role: Role | None = None
    search: str | None = Field(default=None, max_length=100)
    created_after: UTCTimestamp | None = None
    created_before: UTCTimestamp | None = None
