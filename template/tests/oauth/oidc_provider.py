"""A real OpenID Connect provider on loopback for the end-to-end tests, and a driver for it.

The provider is the npm package `oidc-provider` (OpenID Certified), run by Node from
`tests/oauth/provider/server.mjs`. Its packages come from the directory named by
`OIDC_PROVIDER_NODE_MODULES` (the template's nox run installs them once there for every
combination) or, without it, from `tests/oauth/provider/node_modules`, which the first run
installs with `npm ci` from the committed lockfile (the folder is gitignored).

`sign_in_at_provider` plays the browser: it opens an authorization URL, signs in on the
provider's own login page, answers its consent page, and returns the URL the provider
sends the browser back to (the service's callback with `code` and `state`, or `error`).
"""

from __future__ import annotations

import hashlib
import os
import re
import select
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest

PROVIDER_DIR = Path(__file__).parent / "provider"
NODE_MODULES_ENV = "OIDC_PROVIDER_NODE_MODULES"
MIN_NODE_MAJOR = 18
INSTALL_NODE = (
    f"The OpenID Connect end-to-end tests run a real provider on Node.js {MIN_NODE_MAJOR} or "
    "later with npm. Install them (Debian/Ubuntu: `apt-get install nodejs npm`; macOS: "
    "`brew install node`) and run the tests again."
)
READY_SECONDS = 30
# The stamp npm ci leaves beside the packages: the lockfile they were installed from.
STAMP = ".installed-from-lock"


@dataclass(frozen=True)
class OidcProvider:
    """A running provider and its one confidential client."""

    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"


def lock_digest() -> str:
    return hashlib.sha256((PROVIDER_DIR / "package-lock.json").read_bytes()).hexdigest()


def check_node() -> str:
    """The path of `node`, or the test session fails saying how to install it."""
    node = shutil.which("node")
    if node is None or shutil.which("npm") is None:
        pytest.fail(INSTALL_NODE, pytrace=False)
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=False)
    match = re.match(r"v(\d+)\.", version.stdout)
    if not match or int(match[1]) < MIN_NODE_MAJOR:
        pytest.fail(f"Found Node.js {version.stdout.strip()}. {INSTALL_NODE}", pytrace=False)
    return node


def node_modules() -> Path:
    """The provider's installed packages: prepared by the caller, or installed here once."""
    if prepared := os.environ.get(NODE_MODULES_ENV):
        path = Path(prepared)
        if not (path / "oidc-provider").is_dir():
            pytest.fail(f"{NODE_MODULES_ENV}={path} holds no oidc-provider package.")
        return path
    path = PROVIDER_DIR / "node_modules"
    stamp = path / STAMP
    if not stamp.is_file() or stamp.read_text() != lock_digest():
        npm = shutil.which("npm")
        assert npm is not None  # check_node found it
        install = [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"]
        result = subprocess.run(install, cwd=PROVIDER_DIR, capture_output=True, text=True)
        if result.returncode != 0:
            pytest.fail(f"npm ci in {PROVIDER_DIR} failed:\n{result.stderr}", pytrace=False)
        stamp.write_text(lock_digest())
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ProviderProcess:
    """One `node server.mjs` on a free loopback port; `start` waits for its ready line."""

    workdir: Path
    client_id: str
    client_secret: str
    redirect_uri: str

    def start(self, node: str, packages: Path) -> OidcProvider:
        # Node resolves `oidc-provider` beside the script: a copy of it next to a link
        # to the packages, wherever they were installed.
        self.workdir.mkdir(parents=True, exist_ok=True)
        shutil.copy(PROVIDER_DIR / "server.mjs", self.workdir / "server.mjs")
        (self.workdir / "package.json").write_text('{"type": "module"}')
        link = self.workdir / "node_modules"
        if not link.exists():
            link.symlink_to(packages.resolve(), target_is_directory=True)
        port = free_port()
        self.log = self.workdir / "provider.log"
        command = [node, "server.mjs", "--port", str(port), "--client-id", self.client_id]
        command += ["--client-secret", self.client_secret, "--redirect-uri", self.redirect_uri]
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                command, cwd=self.workdir, stdout=subprocess.PIPE, stderr=log, text=True
            )
        issuer = self._wait_until_ready()
        return OidcProvider(issuer, self.client_id, self.client_secret, self.redirect_uri)

    def _wait_until_ready(self) -> str:
        assert self.process.stdout is not None
        deadline = time.monotonic() + READY_SECONDS
        while (left := deadline - time.monotonic()) > 0:
            readable, _, _ = select.select([self.process.stdout], [], [], left)
            line = self.process.stdout.readline() if readable else ""
            if line.startswith("ready "):
                return line.split()[1]
            if self.process.poll() is not None:
                break
        self.stop()
        pytest.fail(f"the OpenID Connect provider did not start:\n{self.log.read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


StartProvider = Callable[[str, str, str], OidcProvider]


@pytest.fixture(scope="session")
def start_oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StartProvider]:
    """Start a provider: `start(client_id, client_secret, redirect_uri)` -> OidcProvider.

    Every provider started in the test session is stopped at its end."""
    node, packages = check_node(), node_modules()
    started: list[ProviderProcess] = []

    def start(client_id: str, client_secret: str, redirect_uri: str) -> OidcProvider:
        process = ProviderProcess(
            tmp_path_factory.mktemp("oidc-provider"), client_id, client_secret, redirect_uri
        )
        provider = process.start(node, packages)
        started.append(process)
        return provider

    try:
        yield start
    finally:
        for process in started:
            process.stop()


class ProviderRefused(AssertionError):
    """The provider answered with an error page instead of sending the browser back."""


async def sign_in_at_provider(
    authorization_url: str, redirect_uri: str, login: str, *, consent: bool = True
) -> str:
    """Sign in as `login` on the provider's pages; the URL it sends the browser back to.

    A fresh cookie jar each time, as a new browser: the provider asks for the login and
    the consent again. With `consent=False` the user cancels on the consent page."""
    async with httpx.AsyncClient(timeout=10) as browser:
        response = await browser.get(authorization_url)
        for _ in range(10):
            if response.is_redirect:
                location = urljoin(str(response.url), response.headers["location"])
                if location.startswith(redirect_uri):
                    return location
                response = await browser.get(location)
                continue
            if response.status_code != 200:
                raise ProviderRefused(f"{response.status_code}: {response.text[:500]}")
            prompt = _form_value(response.text, "prompt")
            action = urljoin(str(response.url), _form_action(response.text))
            if prompt == "login":
                form = {"prompt": "login", "login": login, "password": "any password"}
                response = await browser.post(action, data=form)
            elif consent:
                response = await browser.post(action, data={"prompt": "consent"})
            else:
                response = await browser.get(f"{action}/abort")
        raise ProviderRefused(f"no redirect to {redirect_uri} after 10 steps")


def _form_action(page: str) -> str:
    match = re.search(r'<form[^>]*action="([^"]+)"', page)
    if match is None:
        raise ProviderRefused(f"no form on the provider's page: {page[:500]}")
    return match[1]


def _form_value(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    if match is None:
        raise ProviderRefused(f"no {name} field on the provider's page: {page[:500]}")
    return match[1]
