"""Base classes for request bodies, and the body of answers that carry only a message."""

from datetime import UTC, datetime
from typing import Annotated, ClassVar, Self

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, model_validator


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


# A timestamp from a client: a timezone is required (a naive time is refused,
# not guessed) and it is stored and answered in UTC.
UTCTimestamp = Annotated[AwareDatetime, AfterValidator(_to_utc)]


class StrictModel(BaseModel):
    """Refuse unknown fields: a typo must not be silently ignored."""

    model_config = ConfigDict(extra="forbid")


class PartialUpdate(StrictModel):
    """A `PATCH` body: only the fields sent change, and `null` clears a field.

    Fields named in `required_if_sent` cannot be cleared: `null` is refused.
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
