"""The service container: core's defaults, a module's provider, conflicts stop the start."""

import pytest
from fastapi import APIRouter
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from app.core.authentication import require_permission
from app.core.config import Environment, ModuleSettings, get_settings
from app.core.module import Module
from app.core.permissions import Permission, Role, Scope, UnknownPermissionError
from app.core.services import Provides, ServiceConflictError, services_of
from app.core.stores import MemoryStore
from app.core.wiring import build_services
from app.main import create_app
from app.modules import MODULES


def test_the_app_resolves_core_defaults_and_the_auth_authenticator() -> None:
    services = services_of(create_app(get_settings()))
    assert services.providers["authenticator"] == "auth"
    # Core's role checks, unless a module (casbin) provides the authorizer.
    authorizer = next((m.name for m in MODULES if m.provides.authorizer), "core")
    assert services.providers["authorizer"] == authorizer
    assert services.providers["rate_limit_storage"] == "core"
    assert services.health_checks[0].name == "database"


def test_a_module_replaces_a_default() -> None:
    cache = MemoryStore()
    probe = Module(name="probe", provides=Provides(cache=lambda _: cache))
    services = build_services(get_settings(), (*MODULES, probe))
    assert services.cache is cache
    assert services.providers["cache"] == "probe"


def test_two_providers_of_one_capability_stop_the_start() -> None:
    first = Module(name="first", provides=Provides(cache=lambda _: MemoryStore()))
    second = Module(name="second", provides=Provides(cache=lambda _: MemoryStore()))
    with pytest.raises(
        ServiceConflictError, match="'first' and the 'second' modules provide 'cache'"
    ):
        build_services(get_settings(), (first, second))


def test_one_permission_declared_twice_stops_the_start() -> None:
    grant: dict[str, Scope] = {Role.ADMIN: Scope.ANY}
    first = Module(name="first", permissions=(Permission("reports", "read", grant),))
    second = Module(name="second", permissions=(Permission("reports", "read", grant),))
    with pytest.raises(ValueError, match="reports:read is declared by both the 'first' and"):
        build_services(get_settings(), (first, second))


async def test_grants_follow_role_and_ownership() -> None:
    own: dict[str, Scope] = {Role.USER: Scope.OWN, Role.ADMIN: Scope.ANY}
    probe = Module(name="probe", permissions=(Permission("notes", "read", own),))
    authorizer = build_services(get_settings(), (probe,)).authorizer

    class Caller:
        def __init__(self, role: str) -> None:
            self.id, self.role = Role.USER, role  # any hashable id will do here

    user, admin = Caller(Role.USER), Caller(Role.ADMIN)
    assert await authorizer.is_allowed(user, "notes", "read", owner_id=user.id)  # type: ignore[arg-type]
    assert not await authorizer.is_allowed(user, "notes", "read", owner_id=None)  # type: ignore[arg-type]
    assert await authorizer.is_allowed(admin, "notes", "read")  # type: ignore[arg-type]
    with pytest.raises(UnknownPermissionError, match="notes:write"):
        await authorizer.is_allowed(admin, "notes", "write")  # type: ignore[arg-type]


class ProbeSettings(ModuleSettings):
    model_config = SettingsConfigDict(env_prefix="PROBE_", extra="ignore")

    api_key: str = Field(default="change-me", min_length=9)

    def production_problems(self) -> list[str]:
        if self.api_key == "change-me":
            return ["PROBE_API_KEY must be set in production."]
        return []


def test_module_settings_are_read_with_their_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROBE_API_KEY", "from-the-environment")
    probe = Module(name="probe", settings=ProbeSettings)
    services = build_services(get_settings(), (probe,))
    assert services.settings_of(ProbeSettings).api_key == "from-the-environment"


def test_module_production_checks_run_with_cores(capsys: pytest.CaptureFixture[str]) -> None:
    production = get_settings().model_copy(
        update={"environment": Environment.PRODUCTION, "email_backend": "smtp"}
    )
    probe = Module(name="probe", settings=ProbeSettings)
    with pytest.raises(SystemExit):
        build_services(production, (probe,))
    assert capsys.readouterr().err.splitlines() == [
        "Invalid setting: PROBE_API_KEY must be set in production."
    ]


def test_v16_2_5_a_bad_module_setting_names_the_variable_never_its_value(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PROBE_API_KEY", "sEcReT1")
    probe = Module(name="probe", settings=ProbeSettings)
    with pytest.raises(SystemExit) as stopped:
        build_services(get_settings(), (probe,))
    assert stopped.value.code == 1
    output = capsys.readouterr()
    assert "sEcReT1" not in output.out + output.err
    assert output.err.splitlines() == [
        "Invalid setting: PROBE_API_KEY: String should have at least 9 characters"
    ]


def test_a_route_requiring_an_undeclared_permission_stops_the_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    router = APIRouter()

    @router.get("/probe", dependencies=[require_permission("reports", "raed")])
    async def probe() -> None:
        return None

    typo = Module(
        name="probe",
        routers=(router,),
        permissions=(Permission("reports", "read", {Role.ADMIN: Scope.ANY}),),
    )
    monkeypatch.setattr("app.main.MODULES", (*MODULES, typo))
    with pytest.raises(UnknownPermissionError, match="no module declares: reports:raed"):
        create_app(get_settings())
