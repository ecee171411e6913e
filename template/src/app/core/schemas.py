"""Base classes and types for request bodies and query parameters, and the body of
answers that carry only a message.

Strict where the schema says a type: a timestamp is an ISO 8601 string with a
timezone (not a number), a boolean body field is `true` or `false` (not `0`),
and no text may hold a NUL character (PostgreSQL cannot store one).
"""

import re
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_text(value: Any) -> Any:
    # Pydantic would read `0.5` as half a second after 1970: a typo, not a time.
    if isinstance(value, int | float) or (isinstance(value, str) and not _ISO_DATE.match(value)):
        raise PydanticCustomError(
            "datetime_format",
            "Input should be an ISO 8601 date and time with a timezone, "
            "e.g. 2030-01-31T17:00:00+02:00",
        )
    return value


def _to_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59:59-05:00 is past the year 9999 in UTC
        raise PydanticCustomError(
            "datetime_range", "Input should be a date and time between the years 1 and 9999 in UTC"
        ) from None


# A timestamp from a client: a timezone is required (a naive time is refused,
# not guessed) and it is stored and answered in UTC.
UTCTimestamp = Annotated[AwareDatetime, BeforeValidator(_iso_text), AfterValidator(_to_utc)]


def _refuse_nul(value: Any) -> Any:
    if isinstance(value, str) and "\x00" in value:
        raise PydanticCustomError("string_nul", "Text must not contain the NUL character")
    return value


# The schema states the rule, so a client (or a fuzzer) that follows it never sends a NUL.
NO_NUL_PATTERN = "^[^\\x00]*$"


def _schema_refuses_nul(schema: dict[str, Any]) -> None:
    """Give each plain text field of a model's JSON schema the no-NUL pattern."""
    for field in schema.get("properties", {}).values():
        for option in field.get("anyOf", [field]):
            plain = "pattern" not in option and "format" not in option
            if option.get("type") == "string" and plain:
                option["pattern"] = NO_NUL_PATTERN


class QueryModel(BaseModel):
    """Query parameters: text without NUL characters."""

    model_config = ConfigDict(json_schema_extra=_schema_refuses_nul)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return _refuse_nul(value)


class StrictModel(QueryModel):
    """A request body: also refuses unknown fields, so a typo is not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class PartialUpdate(StrictModel):
    """A `PATCH` body: only the fields sent change, and `null` clears a field.

    Fields named in `required_if_sent` cannot be cleared: `null` is refused (their
    type says so with `SkipJsonSchema[None]`, so the schema is not nullable).
    """

    required_if_sent: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="after")
    def _no_null_for_required_fields(self) -> Self:
        for field in self.required_if_sent:
            if field in self.model_fields_set and getattr(self, field) is None:
                raise ValueError(f"{field} cannot be null")
        return self


class Detail(BaseModel):
    """The body of a 2xx answer that has nothing but a message (a 204 has no body)."""

    detail: str
