"""Request and response bodies of the users endpoints."""

import re
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, ClassVar, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    model_validator,
)

from app.core.permissions import Role
from app.core.schemas import PartialUpdate, StrictModel

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128


def _strong_password(password: str) -> str:
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        raise ValueError("the password needs at least one letter and one digit")
    return password


def _lowercase(value: str) -> str:
    return value.lower()


Password = Annotated[
    str,
    Field(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH),
    AfterValidator(_strong_password),
]
# The max length also stops multi-megabyte strings from reaching the hasher.
AnyPassword = Annotated[str, Field(min_length=1, max_length=PASSWORD_MAX_LENGTH)]
Email = Annotated[EmailStr, Field(max_length=320), AfterValidator(_lowercase)]
Username = Annotated[
    str,
    Field(min_length=3, max_length=50, pattern=r"^[A-Za-z0-9_.-]+$"),
    AfterValidator(_lowercase),
]
FullName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]


def _check_password_is_not_email(email: str, password: str) -> None:
    if password.lower() == email.lower():
        raise ValueError("the password must not be the email address")


class UserRegister(StrictModel):
    email: Email
    password: Password
    full_name: FullName | None = None
    username: Username | None = None

    @model_validator(mode="after")
    def _password_is_not_email(self) -> Self:
        _check_password_is_not_email(self.email, self.password)
        return self


class UserCreate(UserRegister):
    """What an admin may set when creating a user."""

    role: Role = Role.USER
    is_active: bool = True


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
    """`PATCH /users/me`: only the fields sent are changed; `null` clears a field.

    A new `email` of your own needs `current_password`, and takes effect once the
    link mailed to it is opened.
    """

    required_if_sent: ClassVar[tuple[str, ...]] = ("email",)

    email: Email | None = None
    username: Username | None = None
    full_name: FullName | None = None
    current_password: AnyPassword | None = None


class UserUpdate(ProfileUpdate):
    """`PATCH /users/{id}`; `role` and `is_active` are admin-only."""

    required_if_sent = ("email", "role", "is_active")

    role: Role | None = None
    is_active: bool | None = None


class UserReplace(StrictModel):
    """`PUT /users/{id}`: the whole editable profile; omitted nullable fields become null."""

    email: Email
    username: Username | None = None
    full_name: FullName | None = None
    role: Role | None = None
    is_active: bool | None = None
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


class UserFilters(BaseModel):
    """Query parameters of the user list."""

    is_active: bool | None = None
    role: Role | None = None
    search: str | None = Field(default=None, max_length=100)
    created_after: AwareDatetime | None = None
    created_before: AwareDatetime | None = None
