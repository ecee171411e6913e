"""The OpenID Connect provider's npm packages, installed once for every oauth combination.

The rendered oauth tests run a real `oidc-provider` on Node (template/tests/oauth/provider).
Installing its packages in each rendered project would repeat an `npm ci` per combination,
so the combinations share one install under .nox/oidc-provider/, named to their pytest by
OIDC_PROVIDER_NODE_MODULES. It is made again only when the lockfile changes; a file lock
keeps two sessions of `nox -j 2` from installing at once.
"""

from __future__ import annotations

import fcntl
import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import nox

from nox_support import ROOT

PROVIDER_DIR = ROOT / "template" / "tests" / "oauth" / "provider"
INSTALL_DIR = ROOT / ".nox" / "oidc-provider"
ENV_VAR = "OIDC_PROVIDER_NODE_MODULES"  # read by tests/oauth/oidc_provider.py in the render
MIN_NODE_MAJOR = 18  # oidc-provider 8.x; the package's "engines"
STAMP = ".installed-from-lock"  # the digest of the lockfile the packages came from
INSTALL_NODE = (
    f"The oauth combinations run a real OpenID Connect provider on Node.js {MIN_NODE_MAJOR} "
    "or later with npm: install them (Debian/Ubuntu: `apt-get install nodejs npm`; "
    "macOS: `brew install node`)."
)


def check_node(session: nox.Session) -> None:
    """Fail the session, saying how to install them, without a recent node and npm."""
    node = shutil.which("node")
    if node is None or shutil.which("npm") is None:
        session.error(INSTALL_NODE)
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=False)
    match = re.match(r"v(\d+)\.", version.stdout)
    if not match or int(match[1]) < MIN_NODE_MAJOR:
        session.error(f"Found Node.js {version.stdout.strip()}. {INSTALL_NODE}")


def node_modules(session: nox.Session) -> Path:
    """The provider's node_modules folder, installed from the committed lockfile if needed."""
    check_node(session)
    lockfile = PROVIDER_DIR / "package-lock.json"
    digest = hashlib.sha256(lockfile.read_bytes()).hexdigest()
    packages = INSTALL_DIR / "node_modules"
    INSTALL_DIR.mkdir(parents=True, exist_ok=True)
    with (INSTALL_DIR.parent / "oidc-provider.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        stamp = packages / STAMP
        if stamp.is_file() and stamp.read_text() == digest:
            return packages
        for name in ("package.json", "package-lock.json"):
            shutil.copy(PROVIDER_DIR / name, INSTALL_DIR / name)
        session.log(f"npm ci: the OpenID Connect provider's packages into {INSTALL_DIR}")
        with session.chdir(INSTALL_DIR):
            session.run("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error", external=True)
        stamp.write_text(digest)
    return packages
