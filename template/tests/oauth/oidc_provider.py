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
import json
import os
import re
import select
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from urllib.parse import urljoin, urlsplit

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


@dataclass
class OidcProvider:
    """A running provider (a `node server.mjs` process) and its one confidential client."""

    issuer: str
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    process: subprocess.Popen[str]

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def stop(self) -> None:
        """Stop the process; a test may stop its provider early to see it down."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def lock_digest() -> str:
    return hashlib.sha256((PROVIDER_DIR / "package-lock.json").read_bytes()).hexdigest()


def check_node() -> str:
    """The path of `node`, or the test session fails saying how to install it."""
    node = shutil.which("node")
    if node is None or shutil.which("npm") is None:
        pytest.fail(INSTALL_NODE, pytrace=False)
    version = subprocess.run(  # noqa: S603 - the node found on PATH, fixed arguments
        [node, "--version"], capture_output=True, text=True, check=False
    )
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
        result = subprocess.run(  # noqa: S603 - fixed arguments
            install, cwd=PROVIDER_DIR, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            pytest.fail(f"npm ci in {PROVIDER_DIR} failed:\n{result.stderr}", pytrace=False)
        stamp.write_text(lock_digest())
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_provider(
    workdir: Path, client_id: str, client_secret: str, redirect_uris: list[str]
) -> OidcProvider:
    """Start `server.mjs` in `workdir` on a free loopback port; wait for its ready line."""
    node, packages = check_node(), node_modules()
    # Node finds `oidc-provider` beside the script: a copy of it next to a link to the
    # packages, wherever they were installed.
    shutil.copy(PROVIDER_DIR / "server.mjs", workdir / "server.mjs")
    (workdir / "package.json").write_text('{"type": "module"}')
    (workdir / "node_modules").symlink_to(packages.resolve(), target_is_directory=True)
    command = [node, "server.mjs", "--port", str(free_port())]
    command += ["--client-id", client_id, "--client-secret", client_secret]
    for uri in redirect_uris:
        command += ["--redirect-uri", uri]
    log = workdir / "provider.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(  # noqa: S603 - our script, arguments from the tests
            command, cwd=workdir, stdout=subprocess.PIPE, stderr=stderr, text=True
        )
    provider = OidcProvider("", client_id, client_secret, redirect_uris, process)
    assert process.stdout is not None
    deadline = time.monotonic() + READY_SECONDS
    while (left := deadline - time.monotonic()) > 0 and process.poll() is None:
        if select.select([process.stdout], [], [], left)[0]:
            line = process.stdout.readline()
            if line.startswith("ready "):
                provider.issuer = line.split()[1]
                return provider
    provider.stop()
    pytest.fail(f"the OpenID Connect provider did not start:\n{log.read_text()}")


@contextmanager
def foreign_issuer_discovery(provider: OidcProvider) -> Iterator[str]:
    """A discovery URL on loopback whose document is `provider`'s, but for its issuer.

    The document names its own origin as the issuer, as a consistent discovery document
    must, and the real provider's endpoints and keys: the ID tokens the service then gets
    are genuine and validly signed, but from an issuer other than the one it trusts."""
    document = httpx.get(provider.discovery_url, timeout=10).json()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps({**document, "issuer": issuer}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the test's output is the service's, not this server's."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    issuer = f"http://127.0.0.1:{server.server_address[1]}"
    thread = Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{issuer}/.well-known/openid-configuration"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class ProviderRefusedError(AssertionError):
    """The provider answered with an error page instead of sending the browser back."""


async def sign_in_at_provider(authorization_url: str, login: str, *, consent: bool = True) -> str:
    """Sign in as `login` on the provider's pages; the URL it then sends the browser to
    on another origin (the service's callback, with `code` and `state`, or `error`).

    A fresh cookie jar each time, as a new browser: the provider asks for the login and
    the consent again. With `consent=False` the user cancels on the consent page."""
    origin = "{0.scheme}://{0.netloc}/".format(urlsplit(authorization_url))
    async with httpx.AsyncClient(timeout=10) as browser:
        response = await browser.get(authorization_url)
        for _ in range(10):
            if response.is_redirect:
                location = urljoin(str(response.url), response.headers["location"])
                if not location.startswith(origin):
                    return location
                response = await browser.get(location)
                continue
            if response.status_code != 200:
                raise ProviderRefusedError(f"{response.status_code}: {response.text[:500]}")
            prompt = _form_value(response.text, "prompt")
            action = urljoin(str(response.url), _form_action(response.text))
            if prompt == "login":
                form = {"prompt": "login", "login": login, "password": "any password"}
                response = await browser.post(action, data=form)
            elif consent:
                response = await browser.post(action, data={"prompt": "consent"})
            else:
                response = await browser.get(f"{action}/abort")
        raise ProviderRefusedError("the provider sent the browser nowhere after 10 steps")


def _form_action(page: str) -> str:
    match = re.search(r'<form[^>]*action="([^"]+)"', page)
    if match is None:
        raise ProviderRefusedError(f"no form on the provider's page: {page[:500]}")
    return match[1]


def _form_value(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    if match is None:
        raise ProviderRefusedError(f"no {name} field on the provider's page: {page[:500]}")
    return match[1]
