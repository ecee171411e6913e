"""The template's releases, for the update sessions (see update.py).

Git tags may not travel with this repository, so `tests/releases.txt` records every
release, one `vX.Y.Z <full commit sha>` per line (`#` starts a comment). The update
sessions never render from the work tree itself: `clone_template` clones this
repository into a temporary directory, commits the work tree there (uncommitted edits
included) and recreates the release tags from the file, so copier sees the versions
a user would. NOX_RELEASES_FILE points at another file, e.g. to try a release before
recording it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from packaging.version import Version

from nox_support import ROOT

RELEASES_FILE = Path(os.environ.get("NOX_RELEASES_FILE") or ROOT / "tests" / "releases.txt")

# Commits made by the tests, here and by copier, need an identity even on a bare CI runner.
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "fastapi-baseline tests",
    "GIT_AUTHOR_EMAIL": "tests@example.com",
    "GIT_COMMITTER_NAME": "fastapi-baseline tests",
    "GIT_COMMITTER_EMAIL": "tests@example.com",
}

_RELEASE = re.compile(r"(?P<tag>v\d+\.\d+\.\d+)\s+(?P<sha>[0-9a-f]{40})")


@dataclass(frozen=True, slots=True)
class Release:
    tag: str  # vX.Y.Z
    sha: str  # the full commit id


def read_releases(path: Path = RELEASES_FILE) -> list[Release]:
    """The releases listed in `path`, oldest first. A malformed line is an error."""
    releases: list[Release] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if (match := _RELEASE.fullmatch(line)) is None:
            raise ValueError(
                f"{path}:{number}: expected `vX.Y.Z <full 40-character commit sha>`, "
                f"got {raw.strip()!r}"
            )
        releases.append(Release(match["tag"], match["sha"]))
    for field in ("tag", "sha"):
        values = [getattr(release, field) for release in releases]
        if duplicates := sorted({v for v in values if values.count(v) > 1}):
            raise ValueError(f"{path}: listed more than once: {', '.join(duplicates)}")
    return sorted(releases, key=lambda release: Version(release.tag))


def git(cwd: Path, *args: str) -> str:
    """Run git in cwd with the tests' identity; fail with git's own message."""
    result = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **GIT_IDENTITY},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        output = (result.stderr or result.stdout).strip()
        raise RuntimeError(f"`git {' '.join(args)}` failed in {cwd}:\n{output}")
    return result.stdout


def commit_all(repo: Path, message: str) -> None:
    """Stage everything (git init first when needed) and commit, hooks skipped."""
    if not (repo / ".git").exists():
        git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--no-verify", "--no-gpg-sign", "--allow-empty", "-m", message)


def clone_template(dst: Path, releases: list[Release]) -> None:
    """This repository in dst: HEAD holds the work tree, the tags are `releases`' only."""
    shutil.rmtree(dst, ignore_errors=True)
    dst.parent.mkdir(parents=True, exist_ok=True)
    git(ROOT, "clone", "--quiet", "--no-checkout", str(ROOT), str(dst))
    git(dst, "checkout", "--quiet", "-B", "main", git(ROOT, "rev-parse", "HEAD").strip())
    # The work tree as it is: tracked and new files (not ignored ones), edits included.
    for path in dst.iterdir():
        if path.name != ".git":
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    listed = git(ROOT, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
    for name in sorted(set(filter(None, listed.split("\0")))):
        if (ROOT / name).is_file():  # a file deleted but not yet staged is gone
            (dst / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dst / name)
    git(dst, "add", "--all")
    if git(dst, "status", "--porcelain"):
        git(dst, "commit", "--quiet", "--no-verify", "--no-gpg-sign", "-m", "Work tree")
    # Versions come from the releases file alone, whatever tags this clone brought.
    if tags := git(dst, "tag", "--list").split():
        git(dst, "tag", "--delete", *tags)
    for release in releases:
        try:
            git(dst, "cat-file", "-e", f"{release.sha}^{{commit}}")
        except RuntimeError:
            raise RuntimeError(
                f"{RELEASES_FILE}: {release.tag} is commit {release.sha}, which this "
                "repository does not have; fetch the whole history (`git fetch --unshallow`)."
            ) from None
        git(dst, "tag", release.tag, release.sha)


# --- a synthetic release: older template files than HEAD's -----------------------------

# Tag of the older baseline built under HEAD by `make_synthetic_release`.
SYNTHETIC_TAG = "v0.0.0"


def _older_docstring(text: str) -> str:
    """The core database module's summary line, as an older release worded it."""
    first, _, rest = text.partition("\n")
    if not first.startswith('"""'):
        raise ValueError("expected a module docstring on the first line")
    closed = first.endswith('"""') and len(first) > 6
    return (
        ('"""Database engine and sessions."""' if closed else '"""Database engine.') + "\n" + rest
    )


def _older_default(text: str) -> str:
    """An older default for the pool recycle time, in the core settings."""
    pattern = re.compile(r"^(\s*database_pool_recycle_seconds\b.*=\s*)(\S+)$", re.MULTILINE)
    if (match := pattern.search(text)) is None:
        raise ValueError("expected the `database_pool_recycle_seconds` setting")
    old = "3600" if match[2] != "3600" else "900"
    return text[: match.start(2)] + old + text[match.end(2) :]


def _pinned_default(text: str) -> str:
    """The older `.env.example` also pinned the pool recycle time (HEAD dropped the line)."""
    anchor = re.search(r"^DATABASE_POOL_SIZE=.*\n", text, re.MULTILINE)
    if anchor is None:
        raise ValueError("expected a `DATABASE_POOL_SIZE=` line")
    return text[: anchor.end()] + "DATABASE_POOL_RECYCLE_SECONDS=3600\n" + text[anchor.end() :]


# What HEAD changed since the synthetic release, undone: file -> HEAD's text to the old one.
SYNTHETIC_CHANGES: dict[str, Callable[[str], str]] = {
    "template/src/app/core/db.py": _older_docstring,
    "template/src/app/core/config.py": _older_default,
    "template/.env.example.jinja": _pinned_default,
}


def make_synthetic_release(repo: Path) -> str:
    """Put an older baseline under HEAD in the clone `repo`, tagged; return the tag.

    History becomes: HEAD's parent -> the older baseline (tagged) -> HEAD's files again,
    so `copier update` from the tag brings exactly the changes of SYNTHETIC_CHANGES.
    """
    tree = git(repo, "rev-parse", "HEAD^{tree}").strip()
    originals: dict[str, str] = {}
    for name, make_older in SYNTHETIC_CHANGES.items():
        originals[name] = (repo / name).read_text(encoding="utf-8")
        try:
            older = make_older(originals[name])
        except ValueError as exc:
            raise RuntimeError(
                f"synthetic release: {name}: {exc}; update SYNTHETIC_CHANGES"
            ) from exc
        (repo / name).write_text(older, encoding="utf-8")
    commit_all(repo, f"Synthetic release {SYNTHETIC_TAG}")
    git(repo, "tag", SYNTHETIC_TAG)
    for name, text in originals.items():
        (repo / name).write_text(text, encoding="utf-8")
    commit_all(repo, "HEAD again")
    if git(repo, "rev-parse", "HEAD^{tree}").strip() != tree:
        raise RuntimeError("synthetic release: HEAD's files were not restored")
    return SYNTHETIC_TAG
