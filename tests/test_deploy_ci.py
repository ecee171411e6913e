"""The CI workflow and the pre-commit configuration of every combination."""

from __future__ import annotations

import re

import yaml

from deploy_checks import (
    ComboRender,
    schema_errors,
)

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


def test_ci_workflow(combo: ComboRender) -> None:
    check_ci(
        combo.text(".github/workflows/ci.yml"),
        slug=combo.slug,
        python_version=combo.python_version,
        database=combo.database,
        modules=combo.modules,
    )


def test_python_version_reaches_ci(python_version_renders: list[ComboRender]) -> None:
    """The matrix renders the default Python; the other choices must reach CI too."""
    for render in python_version_renders:
        check_ci(
            render.text(".github/workflows/ci.yml"),
            slug=render.slug,
            python_version=render.python_version,
            database=render.database,
            modules=render.modules,
        )


# --- pre-commit -----------------------------------------------------------------------


def test_pre_commit_hooks(combo: ComboRender) -> None:
    config = combo.yaml(".pre-commit-config.yaml")
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    required = {"ruff-check", "ruff-format", "check-merge-conflict", "check-yaml"}
    assert required | {"end-of-file-fixer"} <= set(hooks)
    (rejects,) = [hook for hook in hooks.values() if hook.get("language") == "fail"]
    assert re.search(rejects["files"], "src/app/main.py.rej")
    assert not re.search(rejects["files"], "src/app/main.py")


def test_fresh_render_passes_the_file_hooks(combo: ComboRender) -> None:
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
