"""The rendered service's /docs, loaded in headless Chromium with no network.

Proves that Swagger UI renders every operation from assets the service ships
itself: Chromium may reach nothing but the service on loopback.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import nox

from nox_support.services import free_port

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Every host name but the service's fails to resolve: no CDN could load.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--window-size=1280,2400",
    "--virtual-time-budget=20000",
]


def find_chromium(session: nox.Session) -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    session.error(
        "Chromium is needed to load /docs headless. Install it, e.g. "
        "`apt-get install chromium` (Debian/Ubuntu), then run this session again."
    )
    raise AssertionError  # unreachable: session.error raises


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the service exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"the service did not answer {url} within {timeout} s")


def operations_in(openapi: dict) -> int:
    methods = {"get", "put", "post", "patch", "delete", "head", "options"}
    return sum(1 for item in openapi["paths"].values() for m in item if m in methods)


def check_docs(session: nox.Session, project: Path, slug: str, artifacts: Path) -> None:
    """Serve `project`, load /docs in Chromium, count the operations Swagger UI drew."""
    chromium = find_chromium(session)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # The project's own uv environment and a fresh SQLite database, nothing of ours.
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "DATABASE_URL")}
    env.update(UV_PYTHON_DOWNLOADS="never", DATABASE_URL=f"sqlite+aiosqlite:///{project}/docs.db")
    with session.chdir(project):
        session.run("uv", "sync", env=env, external=True)
        session.run("uv", "run", slug, "db", "upgrade", env=env, external=True)
    serve = ["uv", "run", slug, "serve", "--port", str(port)]
    with subprocess.Popen(serve, cwd=project, env=env) as server:
        try:
            wait_until_up(f"{base}/health/live", server)
            with urllib.request.urlopen(f"{base}/openapi.json") as answer:
                expected = operations_in(json.load(answer))
            dom, screenshot = load_in_chromium(chromium, f"{base}/docs", artifacts)
        finally:
            server.terminate()
    drawn = len(re.findall(r'class="opblock opblock-', dom))
    session.log(f"Swagger UI drew {drawn} of {expected} operations; screenshot: {screenshot}")
    if drawn != expected:
        (artifacts / "docs.html").write_text(dom)
        session.error(f"Swagger UI drew {drawn} operations, the API has {expected}")


def load_in_chromium(chromium: str, url: str, artifacts: Path) -> tuple[str, Path]:
    """The page's DOM after its scripts ran, and a screenshot of it."""
    artifacts.mkdir(parents=True, exist_ok=True)
    screenshot = artifacts / "docs.png"
    with tempfile.TemporaryDirectory() as profile:
        flags = [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]
        dom = subprocess.run(
            [chromium, *flags, "--dump-dom", url],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout
        subprocess.run(
            [chromium, *flags, f"--screenshot={screenshot}", url],
            capture_output=True,
            timeout=120,
            check=True,
        )
    return dom, screenshot
