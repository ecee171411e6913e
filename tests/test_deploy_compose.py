"""compose.yaml of every combination: services, health, production settings, no secret."""

from __future__ import annotations

import re
from typing import Any

from deploy_checks import (
    SECRET_NAME,
    SHUTDOWN_TIMEOUT,
    ComboRender,
    schema_errors,
)

URL_PASSWORD = re.compile(r"://[^/@:]*:([^@]*)@")


def literal_secrets(environment: dict[str, Any]) -> list[str]:
    """Variables whose secret is written in the file instead of coming from `.env`."""
    found = []
    for key, value in environment.items():
        text = str(value)
        if SECRET_NAME.search(key) and not text.startswith("${"):
            found.append(key)
        password = URL_PASSWORD.search(text)
        if password and not password.group(1).startswith("${"):
            found.append(key)
    return found


def check_compose(compose: dict[str, Any], *, slug: str, database: str, modules: tuple) -> None:
    assert schema_errors("compose-spec", compose) == []
    services = compose["services"]
    backing = {"mailpit"}
    if database == "postgresql":
        backing.add("db")
    if "redis" in modules:
        backing.add("redis")
    assert set(services) == {"migrate", "api"} | backing

    migrate, api = services["migrate"], services["api"]
    assert migrate["command"] == [slug, "db", "upgrade"]
    assert migrate["restart"] == "no"  # one-shot
    assert migrate["healthcheck"] == {"disable": True}
    assert api["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert set(api["depends_on"]) == {"migrate"} | backing
    assert set(migrate.get("depends_on", {})) == backing - {"mailpit"}
    for name, service in services.items():
        for dependency, condition in service.get("depends_on", {}).items():
            if dependency != "migrate":
                assert condition == {"condition": "service_healthy"}, (name, dependency)
        if name != "migrate":  # every long-running service tells when it is healthy
            test = service.get("healthcheck", {}).get("test")
            assert test, f"{name} has no healthcheck"
            assert test[0] in ("CMD", "CMD-SHELL"), name
    assert "/health/live" in " ".join(api["healthcheck"]["test"])
    if database == "postgresql":
        assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    if "redis" in modules:
        assert services["redis"]["healthcheck"]["test"][-2:] == ["redis-cli", "ping"]
    assert api["stop_grace_period"] == "30s"
    assert int(api["stop_grace_period"].rstrip("s")) > SHUTDOWN_TIMEOUT

    # The service runs with production settings, pointed at the other containers.
    environment = api["environment"]
    assert migrate["environment"] == environment
    assert environment["ENVIRONMENT"] == "production"
    assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert environment["EMAIL_BACKEND"] == "smtp"
    assert environment["SMTP_HOST"] == "mailpit"
    database_url = environment["DATABASE_URL"]
    if database == "postgresql":
        assert re.fullmatch(
            r"postgresql\+asyncpg://postgres:\$\{POSTGRES_PASSWORD:\?[^}]*\}@db:5432/\w+",
            database_url,
        ), database_url
    else:
        assert database_url.startswith("sqlite+aiosqlite:////app/data/")
        for service in (migrate, api):
            assert "data:/app/data" in service["volumes"]
    assert ("REDIS_URL" in environment) == ("redis" in modules)

    for name, service in services.items():
        environment = service.get("environment", {})
        assert isinstance(environment, dict), name
        assert literal_secrets(environment) == [], name

    used = {
        volume.split(":", 1)[0]
        for service in services.values()
        for volume in service.get("volumes", [])
        if not volume.startswith((".", "/"))
    }
    assert used == set(compose.get("volumes") or {})


def test_compose(combo: ComboRender) -> None:
    check_compose(
        combo.yaml("compose.yaml"), slug=combo.slug, database=combo.database, modules=combo.modules
    )


def test_literal_secrets_are_caught() -> None:
    assert literal_secrets({"SECRET_KEY": "abc", "SMTP_PASSWORD": "${SMTP_PASSWORD}"}) == [
        "SECRET_KEY"
    ]
    assert literal_secrets({"DATABASE_URL": "postgresql://u:hunter2@db/x"}) == ["DATABASE_URL"]
    assert literal_secrets({"DATABASE_URL": "postgresql://u:${P:?set P}@db/x"}) == []


def test_vendored_schemas_catch_misspelled_keys() -> None:
    assert schema_errors("compose-spec", {"services": {"a": {"image": "x"}}}) == []
    assert schema_errors("compose-spec", {"services": {"a": {"image": "x", "helthcheck": {}}}})
    job = {"runs-on": "ubuntu-latest", "steps": [{"run": "true"}]}
    assert schema_errors("github-workflows", {"on": "push", "jobs": {"a": job}}) == []
    assert schema_errors("github-workflows", {"on": "push", "jobs": {"a": {**job, "step": []}}})


def test_readme_explains_deployment(combo: ComboRender) -> None:
    readme = combo.text("README.md")
    deploy = readme[readme.index("## Deploy") :]
    for expected in (
        "uv.lock",
        f"docker build -t {combo.slug} .",
        "docker compose up",
        "kubectl apply -k deploy/k8s",
        f"kubectl create secret generic {combo.slug}-secrets",
    ):
        assert expected in deploy, expected
