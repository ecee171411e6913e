"""Dependencies every module may use."""

from typing import Annotated

from fastapi import Depends, Request

from app.core.config import Settings
from app.core.email import EmailSender
from app.core.passwords import PasswordHasher


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_password_hasher(request: Request) -> PasswordHasher:
    hasher: PasswordHasher = request.app.state.password_hasher
    return hasher


def get_email_sender(request: Request) -> EmailSender:
    sender: EmailSender = request.app.state.email_sender
    return sender


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
PasswordHasherDep = Annotated[PasswordHasher, Depends(get_password_hasher)]
EmailSenderDep = Annotated[EmailSender, Depends(get_email_sender)]
