"""The tasks module's settings, read from `TASKS_*` variables."""

from typing import Annotated

from fastapi import Depends
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from app.core.config import ModuleSettings
from app.core.services import ServicesDep


class TasksSettings(ModuleSettings):
    model_config = SettingsConfigDict(env_prefix="TASKS_", extra="ignore")

    # How many tasks one user may keep; creating one more answers 409.
    max_per_user: Annotated[int, Field(ge=1)] = 10_000


async def get_tasks_settings(services: ServicesDep) -> TasksSettings:
    return services.settings_of(TasksSettings)


TasksSettingsDep = Annotated[TasksSettings, Depends(get_tasks_settings)]
