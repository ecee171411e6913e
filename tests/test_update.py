"""Update safety: the releases file, the update sessions' helpers, what protects a user.

The update scenarios themselves are nox sessions (`uv run nox -t update`); these tests
keep their inputs honest and fail fast when the template drifts from them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import git, tree
from nox_support import ROOT, releases, update, userproject
from nox_support.matrix import QUESTIONS

SHA = "0123456789abcdef0123456789abcdef01234567"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- tests/releases.txt ---------------------------------------------------------------


def test_read_releases_skips_comments_and_sorts_by_version(tmp_path: Path) -> None:
    other = SHA[::-1]
    releases_file = write(
        tmp_path / "releases.txt",
        f"# header\n\nv0.10.0 {SHA}  # the tenth\n   \nv0.9.1 {other}\n",
    )
    assert releases.read_releases(releases_file) == [
        releases.Release("v0.9.1", other),
        releases.Release("v0.10.0", SHA),
    ]
    assert releases.read_releases(write(tmp_path / "empty.txt", "# none yet\n")) == []


@pytest.mark.parametrize(
    "line",
    ["0.1.0 " + SHA, "v0.1 " + SHA, "v0.1.0 " + SHA[:12], "v0.1.0", "v0.1.0 " + SHA + " extra"],
)
def test_read_releases_refuses_a_malformed_line(tmp_path: Path, line: str) -> None:
    releases_file = write(tmp_path / "releases.txt", f"# ok\n{line}\n")
    with pytest.raises(ValueError, match=r"releases\.txt:2: expected `vX\.Y\.Z"):
        releases.read_releases(releases_file)


def test_read_releases_refuses_duplicates(tmp_path: Path) -> None:
    releases_file = write(tmp_path / "releases.txt", f"v0.1.0 {SHA}\nv0.2.0 {SHA}\n")
    with pytest.raises(ValueError, match="listed more than once"):
        releases.read_releases(releases_file)


def test_every_release_is_in_history_and_in_the_changelog() -> None:
    """Each release: a commit HEAD descends from, and a CHANGELOG section of its own."""
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    for release in releases.read_releases():
        ancestor = subprocess.run(
            ["git", "merge-base", "--is-ancestor", release.sha, "HEAD"], cwd=ROOT, check=False
        )
        assert ancestor.returncode == 0, (
            f"{release.tag} ({release.sha}) is not in HEAD's history "
            "(a shallow clone? `git fetch --unshallow`)"
        )
        assert re.search(
            rf"^## \[{re.escape(release.tag[1:])}\] - \d{{4}}-\d\d-\d\d$", changelog, re.M
        ), f"CHANGELOG.md has no `## [{release.tag[1:]}] - YYYY-MM-DD` section"


def test_local_release_tags_are_recorded() -> None:
    """A `vX.Y.Z` tag in this clone must be in tests/releases.txt, on the same commit."""
    recorded = {release.tag: release.sha for release in releases.read_releases()}
    listed = git(
        ROOT, "tag", "--list", "v*", "--format=%(refname:short) %(objectname) %(*objectname)"
    )
    for line in listed.splitlines():
        tag, sha, *peeled = line.split()
        if re.fullmatch(r"v\d+\.\d+\.\d+", tag):
            assert recorded.get(tag) == (peeled[0] if peeled else sha), (
                f"tag {tag} is not recorded in tests/releases.txt as `{tag} <its commit>`"
            )


def test_release_ids_end_with_the_synthetic_release(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(update, "read_releases", list)
    assert update.release_ids() == ["synthetic"]
    release = releases.Release("v1.2.3", SHA)
    monkeypatch.setattr(update, "read_releases", lambda: [release])
    assert update.release_ids() == ["v1.2.3", "synthetic"]


# --- the update sessions' inputs still fit the template --------------------------------


@pytest.mark.parametrize("name", sorted(releases.SYNTHETIC_CHANGES))
def test_synthetic_release_changes_fit_the_template(name: str) -> None:
    """update_from(synthetic) and update_conflict rewrite these files; they must still fit."""
    text = (ROOT / name).read_text(encoding="utf-8")
    older = releases.SYNTHETIC_CHANGES[name](text)
    assert older != text


def test_user_edits_fit_a_fresh_render(default_render: Path, tmp_path: Path) -> None:
    """update_from's canned user work applies to today's render (anchors still there)."""
    project = tmp_path / "project"
    shutil.copytree(default_render, project)
    before = tree(project)
    userproject.apply_user_work(project)
    userproject.user_env_file(project, "postgresql+asyncpg://localhost/app")
    after = tree(project)
    for name in userproject.USER_EDITS:
        assert after[name] != before[name], name
    assert "src/app/notes/module.py" in after
    assert b"ACCESS_TOKEN_EXPIRE_MINUTES=5\n" in after[".env"]


# --- the update sessions' checks ------------------------------------------------------


def test_leftovers_finds_markers_rejects_and_unmerged_paths(tmp_path: Path) -> None:
    write(tmp_path / "clean.py", "x = 1\n# ======= not a marker\n")
    git(tmp_path, "init", "--quiet")
    assert update.leftovers(tmp_path) == []
    write(tmp_path / "src/app/main.py", "<<<<<<< before updating\na\n=======\nb\n>>>>>>> after\n")
    write(tmp_path / "README.md.rej", "@@ -1 +1 @@\n")
    write(tmp_path / ".venv/lib/site.py", "<<<<<<< not the project's\n")
    # What copier records for a conflicted file: its three versions, none resolved.
    sha = git(tmp_path, "hash-object", "-w", "clean.py").strip()
    stages = "".join(f"100644 {sha} {stage}\tclean.py\n" for stage in (1, 2, 3))
    subprocess.run(
        ["git", "update-index", "--index-info"], cwd=tmp_path, input=stages, text=True, check=True
    )
    assert update.leftovers(tmp_path) == [
        "README.md.rej: a rejected part of the update (*.rej)",
        "src/app/main.py:1: conflict marker: <<<<<<< before updating",
        "src/app/main.py:5: conflict marker: >>>>>>> after",
        "clean.py: unmerged (git ls-files --unmerged)",
    ]


def test_differences_compares_files_and_folders_byte_for_byte(tmp_path: Path) -> None:
    left, right = tmp_path / "left", tmp_path / "right"
    for root in (left, right):
        write(root / "same.txt", "same\n")
        write(root / ".git/HEAD", f"ignored {root.name}\n")
    write(left / "changed.txt", "a\n")
    write(right / "changed.txt", "a \n")
    write(left / "extra.txt", "")
    (right / "empty").mkdir()
    assert update.differences(left, right) == [
        "changed.txt: differs",
        "empty: missing",
        "extra.txt: extra",
    ]
    assert update.differences(left, left) == []


# --- what keeps a user's work safe -----------------------------------------------------


def test_the_users_files_are_never_overwritten() -> None:
    assert {"src/app/local_modules.py", ".env"} <= set(QUESTIONS["_skip_if_exists"])


def test_env_file_stays_out_of_git(default_render: Path) -> None:
    ignored = (default_render / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".env" in ignored


def test_pre_commit_blocks_what_a_failed_merge_leaves(default_render: Path) -> None:
    """After `copier update` git is not in a merge, so check-merge-conflict needs
    `--assume-in-merge` to look at all; a `.rej` file fails its own hook."""
    config = yaml.safe_load((default_render / ".pre-commit-config.yaml").read_text())
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert "--assume-in-merge" in hooks["check-merge-conflict"].get("args", [])
    rejects = [hook for hook in hooks.values() if hook.get("language") == "fail"]
    assert any(re.search(hook.get("files", "^$"), "src/app/main.py.rej") for hook in rejects)
