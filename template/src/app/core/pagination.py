"""Page parameters and the `{items, total, total_is_exact, page, size, pages}` answer.

The count is bounded: it stops `COUNT_AHEAD` matches past the page's first row, so a
list of 100,000 rows costs a short count on every page, not a scan of every match.
`total` is exact while `total_is_exact`; otherwise at least that many rows match.
"""

import math
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import Select, func, literal_column, select
from sqlmodel.ext.asyncio.session import AsyncSession

MAX_PAGE_SIZE = 100
# How far past the page's start the count goes (see the module's docstring).
COUNT_AHEAD = 1_000
LIKE_ESCAPE = "\\"


class PageParams(BaseModel):
    page: int
    size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    @property
    def count_limit(self) -> int:
        """Where the count of matches stops."""
        return self.offset + COUNT_AHEAD


async def page_params(
    page: Annotated[int, Query(ge=1, le=1_000_000, description="Page number, from 1")] = 1,
    size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page")] = 20,
) -> PageParams:
    return PageParams(page=page, size=size)


PageParamsDep = Annotated[PageParams, Depends(page_params)]


class Page[T](BaseModel):
    """One page of a list."""

    items: list[T]
    # Counted up to 1,000 matches past the page's first row: exact while
    # `total_is_exact`, otherwise a lower bound (more rows match).
    total: int
    total_is_exact: bool
    page: int
    size: int
    pages: int


def make_page[T](items: Sequence[T], total: int, params: PageParams) -> Page[T]:
    return Page[T](
        items=list(items),
        total=total,
        total_is_exact=total < params.count_limit,
        page=params.page,
        size=params.size,
        pages=math.ceil(total / params.size) if total else 0,
    )


def page_query(statement: Select[Any], params: PageParams) -> Select[Any]:
    """`statement` limited to one page, with the bounded count of its matches as a last column.

    The count is a subquery of the same statement, so one round trip brings both.
    """
    counted = select(func.count()).select_from(_matches(statement, params)).scalar_subquery()
    return statement.add_columns(counted.label("total")).offset(params.offset).limit(params.size)


def _matches(statement: Select[Any], params: PageParams) -> Any:
    """The rows `statement` matches, unordered, up to the count's limit."""
    only_matches: Select[Any] = statement.order_by(None).with_only_columns(
        literal_column("1"), maintain_column_froms=True
    )
    return only_matches.limit(params.count_limit).subquery()


async def fetch_page(
    session: AsyncSession, statement: Select[Any], params: PageParams
) -> tuple[list[Any], int]:
    """Run `statement` (an SQLAlchemy `select`) for one page; return its rows and the
    bounded total. A separate count runs only when the page is past the end."""
    # SQLModel's overloads do not match a select with an added column; the
    # call is the same one `exec` makes for any select.
    rows = (await session.exec(page_query(statement, params))).all()  # type: ignore[call-overload]
    if rows:
        return [row[0] for row in rows], int(rows[0].total)
    if params.page == 1:
        return [], 0
    total = await session.scalar(select(func.count()).select_from(_matches(statement, params)))
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
