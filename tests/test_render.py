"""Rendering: defaults work, renders are clean and byte-identical when repeated."""

from __future__ import annotations

from pathlib import Path

import copier
import pytest
import yaml

from conftest import Render, run_copy, tree
from nox_support import ROOT
from nox_support.matrix import MODULES, QUESTIONS, choice_values
from nox_support.render_checks import find_problems


def test_defaults_render_a_uv_project(default_render: Path) -> None:
    for name in ("pyproject.toml", ".python-version", "alembic.ini", "README.md"):
        assert (default_render / name).is_file(), name
    for name in ("src/app", "migrations", "tests"):
        assert (default_render / name).is_dir(), name
    assert (default_render / ".python-version").read_text().strip() == "3.12"
    assert 'name = "my-service"' in (default_render / "pyproject.toml").read_text()


def test_answers_file_records_the_answers(default_render: Path) -> None:
    answers = yaml.safe_load((default_render / ".copier-answers.yml").read_text())
    assert answers["_src_path"]
    assert answers["_commit"]
    for name in ("project_name", "python_version", "database", "modules"):
        assert answers[name] == QUESTIONS[name]["default"], name
    assert answers["project_slug"] == "my-service"  # derived from the project name


def test_no_template_artifacts_left(default_render: Path) -> None:
    leftovers = [p for p in tree(default_render) if p.endswith((".jinja", ".rej", ".orig"))]
    assert leftovers == []


@pytest.mark.parametrize("database", choice_values(QUESTIONS["database"]))
def test_render_has_no_leftovers_or_traces(render: Render, database: str) -> None:
    """No jinja left, no empty folder, no trace of any module (none is chosen)."""
    dst = render(database=database, modules=[])
    assert find_problems(dst, absent=MODULES) == []


@pytest.mark.parametrize("module", MODULES)
def test_a_module_alone_renders_its_folders_and_nothing_of_the_others(
    render: Render, module: str
) -> None:
    dst = render(database="sqlite", modules=[module])
    assert (dst / "src" / "app" / module).is_dir()
    others = [m for m in MODULES if m != module]
    assert find_problems(dst, absent=others) == []


def test_python_version_answer(render: Render) -> None:
    dst = render(python_version="3.13")
    assert (dst / ".python-version").read_text().strip() == "3.13"
    assert ">=3.13" in (dst / "pyproject.toml").read_text()


def test_rendering_twice_is_byte_identical(render: Render) -> None:
    answers = {"project_name": "Billing API", "database": "sqlite", "python_version": "3.13"}
    first, second = render("first", **answers), render("second", **answers)
    assert tree(first) == tree(second)


def test_message_after_copy(template_src: Path, tmp_path: Path, capsys) -> None:
    """The next steps print with the answers filled in, with no task or extension."""
    copier.run_copy(
        src_path=str(template_src),
        dst_path=tmp_path / "svc",
        data={"project_name": "Billing API"},
        defaults=True,
        vcs_ref="HEAD",
        unsafe=False,
    )
    message = capsys.readouterr().err
    assert "uv run billing-api db upgrade" in message
    assert str(tmp_path / "svc") in message
    assert "{{" not in message


def shell_steps(text: str, first: str) -> list[str]:
    """The commands of the block that starts with the line `first`, comments dropped."""
    lines = text[text.index(first) :].splitlines()
    steps = []
    for line in lines:
        command = line.split(" #")[0].strip()
        if not command or command.startswith("```"):
            break
        steps.append(" ".join(command.split()))
    return steps


def test_next_steps_commit_uv_lock_and_agree_everywhere(
    template_src: Path, tmp_path: Path, capsys
) -> None:
    """`uv sync` runs before the first commit, so uv.lock is committed and the tree is
    clean for `copier update`; the message, the README and getting-started agree."""
    copier.run_copy(
        src_path=str(template_src),
        dst_path=tmp_path / "my-service",
        defaults=True,
        vcs_ref="HEAD",
        unsafe=False,
    )
    message = shell_steps(capsys.readouterr().err, "cp .env.example .env")
    readme = shell_steps((tmp_path / "my-service" / "README.md").read_text(), "cp .env.example")
    docs = shell_steps((ROOT / "docs" / "getting-started.md").read_text(), "cp .env.example")
    assert message == readme == docs
    commit = next(i for i, step in enumerate(message) if step.startswith("git init"))
    assert message.index("uv sync") < commit < message.index("uv run my-service db upgrade")
    assert "git add -A" in message[commit]


@pytest.mark.filterwarnings("ignore::copier.errors.DirtyLocalWarning")
def test_renders_from_the_repository_itself(tmp_path: Path) -> None:
    """What `copier copy <this repo>` does: uncommitted edits included, HEAD as the ref."""
    run_copy(ROOT, tmp_path / "out", database="sqlite")
    assert (tmp_path / "out" / "src" / "app").is_dir()
