"""Dependencies every module may use."""

from typing import Annotated

from fastapi import Depends

from app.core.config import Settings
from app.core.email import EmailSender
from app.core.passwords import PasswordHasher
from app.core.services import ServicesDep


async def get_app_settings(services: ServicesDep) -> Settings:
    return services.settings


async def get_password_hasher(services: ServicesDep) -> PasswordHasher:
    return services.password_hasher


async def get_email_sender(services: ServicesDep) -> EmailSender:
    return services.email_sender


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
PasswordHasherDep = Annotated[PasswordHasher, Depends(get_password_hasher)]
EmailSenderDep = Annotated[EmailSender, Depends(get_email_sender)]
