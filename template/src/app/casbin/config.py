"""The casbin module's settings, read from `CASBIN_*` variables."""

from typing import Annotated

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from app.core.config import ModuleSettings


class CasbinSettings(ModuleSettings):
    model_config = SettingsConfigDict(env_prefix="CASBIN_", extra="ignore")

    # How often a process asks the database whether another process changed the
    # policies (one indexed single-row read). Changes made through this process
    # apply to its next request whatever the value; 0 checks on every request.
    policy_check_interval_ms: Annotated[int, Field(ge=0, le=60_000)] = 1000
    # Decisions remembered between policy changes (the enforcer costs ~0.1 ms each).
    decision_cache_size: Annotated[int, Field(ge=0, le=1_000_000)] = 10_000
