"""Users: the queries and rules. Never commits; the request's session does."""

import uuid
from typing import Any

from sqlalchemy import ColumnElement, or_
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.models import utcnow
from app.core.pagination import (
    LIKE_ESCAPE,
    PageParams,
    contains_pattern,
    fetch_page,
    order_clauses,
)
from app.core.passwords import PasswordHasher
from app.core.permissions import Role
from app.users.exceptions import EmailTakenError, UsernameTakenError, UserNotFoundError
from app.users.models import User
from app.users.schemas import UserFilters, UserOrder, UserRegister

_ORDER_COLUMNS: dict[str, Any] = {
    "created_at": User.created_at,
    "email": User.email,
    "last_login_at": User.last_login_at,
}


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise UserNotFoundError
    return user


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    result = await session.exec(select(User).where(User.email == email.lower()))
    return result.first()


async def create_user(
    session: AsyncSession,
    hasher: PasswordHasher,
    data: UserRegister,
    *,
    role: Role = Role.USER,
    is_active: bool = True,
    is_verified: bool = False,
) -> User:
    await _ensure_unique(session, email=data.email, username=data.username)
    user = User(
        email=data.email,
        username=data.username,
        full_name=data.full_name,
        hashed_password=await hasher.hash(data.password),
        role=role,
        is_active=is_active,
        is_verified=is_verified,
    )
    session.add(user)
    # Written now: rows that refer to the user (its first session) may follow.
    await session.flush()
    return user


async def update_user(session: AsyncSession, user: User, changes: dict[str, Any]) -> User:
    """Apply already-authorised field changes (`None` clears a nullable field)."""
    await _ensure_unique(
        session,
        email=changes.get("email"),
        username=changes.get("username"),
        exclude_id=user.id,
    )
    for field, value in changes.items():
        setattr(user, field, value)
    user.updated_at = utcnow()
    session.add(user)
    return user


async def set_password(session: AsyncSession, user: User, hashed_password: str) -> None:
    user.hashed_password = hashed_password
    user.updated_at = utcnow()
    session.add(user)


async def mark_verified(session: AsyncSession, user: User) -> None:
    if not user.is_verified:
        user.is_verified = True
        user.updated_at = utcnow()
        session.add(user)


async def delete_user(session: AsyncSession, user: User) -> None:
    await session.delete(user)


async def list_users(
    session: AsyncSession, filters: UserFilters, order_by: UserOrder, params: PageParams
) -> tuple[list[User], int]:
    # A plain SQLAlchemy select: rows keep the extra `total` column fetch_page adds.
    statement = (
        sa_select(User)
        .where(*_filter_conditions(filters))
        .order_by(*order_clauses(order_by, _ORDER_COLUMNS, col(User.id)))
    )
    return await fetch_page(session, statement, params)


def _filter_conditions(filters: UserFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.is_active is not None:
        conditions.append(col(User.is_active) == filters.is_active)
    if filters.role is not None:
        conditions.append(col(User.role) == filters.role)
    if filters.search:
        pattern = contains_pattern(filters.search.lower())
        conditions.append(
            or_(
                col(User.email).like(pattern, escape=LIKE_ESCAPE),
                col(User.username).like(pattern, escape=LIKE_ESCAPE),
                col(User.full_name).ilike(pattern, escape=LIKE_ESCAPE),
            )
        )
    if filters.created_after is not None:
        conditions.append(col(User.created_at) >= filters.created_after)
    if filters.created_before is not None:
        conditions.append(col(User.created_at) < filters.created_before)
    return conditions


async def _ensure_unique(
    session: AsyncSession,
    *,
    email: str | None,
    username: str | None,
    exclude_id: uuid.UUID | None = None,
) -> None:
    if email is not None and await _taken(session, col(User.email) == email, exclude_id):
        raise EmailTakenError
    if username is not None and await _taken(session, col(User.username) == username, exclude_id):
        raise UsernameTakenError


async def _taken(
    session: AsyncSession, condition: ColumnElement[bool], exclude_id: uuid.UUID | None
) -> bool:
    statement = select(User.id).where(condition)
    if exclude_id is not None:
        statement = statement.where(col(User.id) != exclude_id)
    return (await session.exec(statement.limit(1))).first() is not None
