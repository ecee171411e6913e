"""The fuzzer's first admin, made as `<project> users create-admin` makes one."""

import asyncio

from app.cli import running_services
from app.core.permissions import Role
from app.users import service
from app.users.schemas import UserRegister


def create_admin(email: str, password: str) -> None:
    async def create() -> None:
        async with running_services() as services, services.database.session_factory() as session:
            data = UserRegister(email=email, password=password)
            await service.create_user(session, services.password_hasher, data, role=Role.ADMIN)
            await session.commit()

    asyncio.run(create())
