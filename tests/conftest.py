"""Shared helpers for the tests of the template itself.

Renders go through copier's Python API, from a committed snapshot of this work tree
(uncommitted edits included), so two renders of the same answers come from the same
commit and can be compared byte for byte.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import copier
import pytest

from deploy_checks import COMBO_IDS, PROJECT_NAME, ComboRender
from nox_support import ROOT
from nox_support.matrix import QUESTIONS, choice_values

TEMPLATE = ROOT / "template"

Render = Callable[..., Path]


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "template tests",
        "GIT_AUTHOR_EMAIL": "tests@example.com",
        "GIT_COMMITTER_NAME": "template tests",
        "GIT_COMMITTER_EMAIL": "tests@example.com",
        "GIT_AUTHOR_DATE": "2000-01-01T00:00:00Z",
        "GIT_COMMITTER_DATE": "2000-01-01T00:00:00Z",
    }
    result = subprocess.run(
        ["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True
    )
    return result.stdout


@pytest.fixture(scope="session")
def template_src(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository holding this work tree's files (tracked or not, not ignored), committed."""
    snapshot = tmp_path_factory.mktemp("template-src")
    listed = git(ROOT, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
    for name in sorted(set(filter(None, listed.split("\0")))):
        source = ROOT / name
        if source.is_file():  # skips files deleted but not yet staged
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / name)
    git(snapshot, "init", "--quiet", "--initial-branch=main")
    git(snapshot, "add", "--all")
    git(snapshot, "commit", "--quiet", "--no-verify", "--no-gpg-sign", "-m", "snapshot")
    return snapshot


def run_copy(src: Path, dst: Path, **data: Any) -> copier.Worker:
    """Render answers `data` (defaults for the rest) like `copier copy --defaults` would."""
    return copier.run_copy(
        src_path=str(src),
        dst_path=dst,
        data=data,
        defaults=True,
        vcs_ref="HEAD",
        unsafe=False,
        quiet=True,
    )


@pytest.fixture
def render(template_src: Path, tmp_path: Path) -> Render:
    """`render(name="out", **answers)` renders into tmp_path / name and returns that path."""

    def _render(name: str = "out", **data: Any) -> Path:
        dst = tmp_path / name
        run_copy(template_src, dst, **data)
        return dst

    return _render


@pytest.fixture(scope="session")
def default_render(template_src: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template rendered with every default answer (shared; do not modify it)."""
    dst = tmp_path_factory.mktemp("defaults") / "my-service"
    run_copy(template_src, dst)
    return dst


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root, by relative path, with its content."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


# --- the deployment tests' renders (tests/deploy_checks.py) ----------------------------


@pytest.fixture(scope="session")
def render_combo(
    template_src: Path, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], ComboRender]:
    """Render a combination on first use, then hand out the same render."""
    root = tmp_path_factory.mktemp("deploy")
    renders: dict[str, ComboRender] = {}

    def get(combo: str) -> ComboRender:
        if combo not in renders:
            database, modules = COMBO_IDS[combo]
            dst = root / combo
            run_copy(
                template_src,
                dst,
                project_name=PROJECT_NAME,
                database=database,
                modules=list(modules),
            )
            renders[combo] = ComboRender(dst, database, modules)
        return renders[combo]

    return get


@pytest.fixture(params=sorted(COMBO_IDS))
def combo(
    request: pytest.FixtureRequest, render_combo: Callable[[str], ComboRender]
) -> ComboRender:
    """Each combination's render (deployment files: tests/test_deploy_*.py)."""
    return render_combo(request.param)


@pytest.fixture(scope="session")
def python_version_renders(
    template_src: Path, tmp_path_factory: pytest.TempPathFactory
) -> list[ComboRender]:
    """A render for each Python version but the default (which the matrix renders)."""
    default = QUESTIONS["python_version"]["default"]
    renders = []
    for version in choice_values(QUESTIONS["python_version"]):
        if version != default:
            dst = tmp_path_factory.mktemp("python") / version
            run_copy(template_src, dst, project_name=PROJECT_NAME, python_version=version)
            database = QUESTIONS["database"]["default"]
            renders.append(ComboRender(dst, database, (), python_version=version))
    return renders
