"""`copier update` scenarios: updating a rendered service never loses its owner's work.

The sessions in noxfile.py (tag `update`) call these:

- `same_version`: copy, commit, update to the same version: nothing changes.
- `modules_round_trip`: each module switched on, then off, by `copier update --data
  modules=[...]` gives exactly a fresh render with those answers.
- `from_release` (userproject.py): a past release (or a synthetic one) with a user's
  work on top, updated to HEAD while turning `tasks` on: no conflict, every edit kept,
  the checks pass and the database upgrades to the new heads with the user's rows.
- `conflict_demo`: the user and the template change the same line; the update leaves
  conflict markers and `leftovers` finds them.

Each session works in .nox/update/<name>/ on its own clone of this repository
(releases.py) and its own PostgreSQL databases, so `nox -j 2` is safe.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import copier
import nox
from plumbum import local

from nox_support import ROOT
from nox_support.releases import (
    GIT_IDENTITY,
    clone_template,
    commit_all,
    git,
    make_synthetic_release,
    read_releases,
)

UPDATE_ROOT = ROOT / ".nox" / "update"
# update_from's parameter when tests/releases.txt lists no release.
SYNTHETIC = "synthetic"
# A rendered project runs in its own uv environment, never in ours. Its Python writes
# bytecode: each `uv run` then imports the app from .pyc instead of compiling it again.
PROJECT_ENV: dict[str, str | None] = {
    "UV_PYTHON_DOWNLOADS": "never",
    "PYTHONDONTWRITEBYTECODE": None,
    "VIRTUAL_ENV": None,
    "UV_PROJECT_ENVIRONMENT": None,
    "DATABASE_URL": None,
    "TEST_DATABASE_URL": None,
    "REDIS_URL": None,
    "ENVIRONMENT": None,
}
# Not part of a project's files: what git, uv, the tools and the tests leave behind.
SCRATCH = {".git", ".venv", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}


def release_ids() -> list[str]:
    """update_from's parameters: every listed release, then the synthetic one.

    The synthetic release always runs too: it differs from HEAD in template files,
    so the update merges real changes even while the newest release equals HEAD.
    """
    return [*(release.tag for release in read_releases()), SYNTHETIC]


def copy(template: Path, dst: Path, ref: str, **data: object) -> dict[str, object]:
    """`copier copy --defaults` of the template clone at `ref`; returns the answers."""
    with local.env(**GIT_IDENTITY):
        worker = copier.run_copy(
            src_path=str(template),
            dst_path=dst,
            data=data,
            defaults=True,
            vcs_ref=ref,
            unsafe=False,
            quiet=True,
        )
    return dict(worker.answers.combined)


def update(project: Path, ref: str = "HEAD", **data: object) -> None:
    """`copier update --defaults --skip-answered` to `ref`, with `data` as new answers."""
    with local.env(**GIT_IDENTITY):
        copier.run_update(
            dst_path=project,
            data=data,
            overwrite=True,
            defaults=True,
            unsafe=False,
            vcs_ref=ref,
            skip_answered=True,
            quiet=True,
        )


def leftovers(project: Path) -> list[str]:
    """What a merge can leave behind: conflict markers, `*.rej` files, unmerged paths.

    copier exits 0 in each case, so every update is followed by this check.
    """
    problems = []
    for folder, dirs, files in os.walk(project):
        dirs[:] = sorted(d for d in dirs if d not in SCRATCH)
        for name in sorted(files):
            path = Path(folder, name)
            rel = path.relative_to(project).as_posix()
            if name.endswith(".rej"):
                problems.append(f"{rel}: a rejected part of the update (*.rej)")
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except UnicodeDecodeError:
                continue
            for number, line in enumerate(lines, start=1):
                if line.startswith(("<<<<<<<", ">>>>>>>")):
                    problems.append(f"{rel}:{number}: conflict marker: {line}")
    unmerged = {
        line.split("\t", 1)[1] for line in git(project, "ls-files", "--unmerged").splitlines()
    }
    problems += [f"{name}: unmerged (git ls-files --unmerged)" for name in sorted(unmerged)]
    return problems


def snapshot(root: Path, skip: frozenset[str] = frozenset()) -> dict[str, bytes | None]:
    """Every file (its bytes) and folder (None) under root, minus SCRATCH and `skip`."""
    found: dict[str, bytes | None] = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SCRATCH]
        for name in dirs:
            found[Path(folder, name).relative_to(root).as_posix()] = None
        for name in files:
            rel = Path(folder, name).relative_to(root).as_posix()
            if rel not in skip:
                found[rel] = Path(folder, name).read_bytes()
    return found


def differences(actual: Path, expected: Path, skip: frozenset[str] = frozenset()) -> list[str]:
    """How the tree `actual` differs from `expected`, byte for byte."""
    got, want = snapshot(actual, skip), snapshot(expected, skip)
    found = []
    for name in sorted(got.keys() | want.keys()):
        if name not in want:
            found.append(f"{name}: extra")
        elif name not in got:
            found.append(f"{name}: missing")
        elif got[name] != want[name]:
            found.append(f"{name}: differs")
    return found


# --- update_same, update_modules ------------------------------------------------------


def same_version(session: nox.Session, name: str, database: str, modules: tuple[str, ...]) -> None:
    """Copy at HEAD, commit, update to HEAD: `git status` stays empty."""
    work = UPDATE_ROOT / f"same-{name}"
    template, project = work / "template", work / "project"
    shutil.rmtree(work, ignore_errors=True)
    clone_template(template, read_releases())
    copy(template, project, "HEAD", database=database, modules=list(modules))
    commit_all(project, "Start from fastapi-baseline")
    update(project)
    if status := git(project, "status", "--porcelain", "--untracked-files=all"):
        diff = git(project, "diff")
        session.error(f"updating to the same version changed the project:\n{status}\n{diff}")
    session.log("copier update to the same version: nothing changed")


def modules_round_trip(session: nox.Session, database: str, modules: list[str]) -> None:
    """Each module (and, with several, all of them) on, then off: a fresh render each time."""
    work = UPDATE_ROOT / f"modules-{database}"
    template, project = work / "template", work / "project"
    shutil.rmtree(work, ignore_errors=True)
    clone_template(template, read_releases())
    steps = [[module] for module in modules] + ([modules] if len(modules) > 1 else [])
    copy(template, project, "HEAD", database=database, modules=[])
    commit_all(project, "Start from fastapi-baseline")
    for chosen in steps:
        for answer in (chosen, []):
            update(project, modules=answer)
            fresh = work / "fresh"
            shutil.rmtree(fresh, ignore_errors=True)
            copy(template, fresh, "HEAD", database=database, modules=answer)
            label = f"{database}, modules={answer}"
            if problems := leftovers(project) + differences(project, fresh):
                session.error(f"update to {label} != a fresh render:\n  " + "\n  ".join(problems))
            session.log(f"update to {label}: identical to a fresh render")
            commit_all(project, f"modules={answer}")


# --- update_conflict: what a real conflict looks like, and that it is caught ------------


def conflict_demo(session: nox.Session) -> None:
    """The user rewords the line the template rewords too: markers, and `leftovers` finds them."""
    work = UPDATE_ROOT / "conflict"
    template, project = work / "template", work / "project"
    shutil.rmtree(work, ignore_errors=True)
    clone_template(template, read_releases())
    old = make_synthetic_release(template)  # rewords core/db.py's docstring since then
    copy(template, project, old, database="sqlite", modules=[])
    commit_all(project, "Start from fastapi-baseline")
    path = project / "src" / "app" / "core" / "db.py"
    first, rest = path.read_text(encoding="utf-8").split("\n", 1)
    ours = '"""Our database layer: engine, sessions, the request\'s session.'
    ours += '"""' if first.endswith('"""') and len(first) > 6 else ""
    path.write_text(f"{ours}\n{rest}", encoding="utf-8")
    commit_all(project, "Our wording of the database docstring")

    update(project)
    problems = leftovers(project)
    text = path.read_text(encoding="utf-8").splitlines()
    end = next((i for i, line in enumerate(text) if line.startswith(">>>>>>>")), 0)
    session.log(
        f"copier update {old} -> HEAD exited 0.\n"
        f"git status --short:\n{git(project, 'status', '--short')}"
        f"src/app/core/db.py, lines 1-{end + 1}:\n" + "\n".join(text[: end + 1]) + "\n"
        "leftovers() found:\n  " + "\n  ".join(problems)
    )
    expected = ["src/app/core/db.py:1: conflict marker", "src/app/core/db.py: unmerged"]
    if not all(any(p.startswith(e) for p in problems) for e in expected):
        session.error("the conflict in src/app/core/db.py went undetected")
    if any("db.py" not in p for p in problems):
        session.error("only src/app/core/db.py should conflict")
