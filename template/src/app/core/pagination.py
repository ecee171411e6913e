"""Page parameters and the `{items, total, page, size, pages}` answer."""

import math
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

MAX_PAGE_SIZE = 100
LIKE_ESCAPE = "\\"


class PageParams(BaseModel):
    page: int
    size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


async def page_params(
    page: Annotated[int, Query(ge=1, le=1_000_000, description="Page number, from 1")] = 1,
    size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page")] = 20,
) -> PageParams:
    return PageParams(page=page, size=size)


PageParamsDep = Annotated[PageParams, Depends(page_params)]


class Page[T](BaseModel):
    """One page of a list."""

    items: list[T]
    total: int
    page: int
    size: int
    pages: int


def make_page[T](items: Sequence[T], total: int, params: PageParams) -> Page[T]:
    return Page[T](
        items=list(items),
        total=total,
        page=params.page,
        size=params.size,
        pages=math.ceil(total / params.size) if total else 0,
    )


def page_query(statement: Select[Any], params: PageParams) -> Select[Any]:
    """`statement` limited to one page, with the count of all matches as a last column.

    The total rides along as a window function, so the rows are found once.
    """
    counted = statement.add_columns(func.count().over().label("total"))
    return counted.offset(params.offset).limit(params.size)


async def fetch_page(
    session: AsyncSession, statement: Select[Any], params: PageParams
) -> tuple[list[Any], int]:
    """Run `statement` (an SQLAlchemy `select`) for one page; return its rows and the total.

    A separate count runs only when the page is past the end and has no rows.
    """
    # SQLModel's overloads do not match a select with an added column; the
    # call is the same one `exec` makes for any select.
    rows = (await session.exec(page_query(statement, params))).all()  # type: ignore[call-overload]
    if rows:
        return [row[0] for row in rows], int(rows[0].total)
    if params.page == 1:
        return [], 0
    total = await session.scalar(select(func.count()).select_from(statement.subquery()))
    return [], int(total or 0)


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its wildcards escaped (`escape=LIKE_ESCAPE`)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def order_clauses(order_by: str, columns: Mapping[str, Any], tie_breaker: Any) -> tuple[Any, Any]:
    """ORDER BY for a sort key such as `-created_at`, then `tie_breaker` for stable pages."""
    column = columns[order_by.removeprefix("-")]
    if order_by.startswith("-"):
        return column.desc(), tie_breaker.desc()
    return column.asc(), tie_breaker.asc()
