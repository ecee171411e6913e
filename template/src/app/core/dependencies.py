"""Dependencies every module may use."""

from typing import Annotated

from fastapi import Depends, Request

from app.core.config import Settings
from app.core.passwords import PasswordHasher


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_password_hasher(request: Request) -> PasswordHasher:
    hasher: PasswordHasher = request.app.state.password_hasher
    return hasher


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
PasswordHasherDep = Annotated[PasswordHasher, Depends(get_password_hasher)]
