"""PostgreSQL and Redis servers a session starts, owns, and may stop and start again.

`services.postgres()` / `services.redis()` fall back to these when the usual server
is not reachable; the fault sessions (nox_support/faults.py) always use their own,
since they stop them on purpose.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from nox_support.ports import free_port, wait_for


class ServerError(Exception):
    """A throwaway server could not be set up; the message says why."""


def _postgres_bindir() -> Path | None:
    """A directory with initdb and pg_ctl: from PATH, else the newest Debian install."""
    found = shutil.which("initdb")
    candidates = [Path(found).resolve().parent] if found else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for bindir in candidates:
        if (bindir / "initdb").exists() and (bindir / "pg_ctl").exists():
            return bindir
    return None


class ThrowawayPostgres:
    """A PostgreSQL cluster in a temporary folder on a free loopback port."""

    def __init__(self) -> None:
        bindir = _postgres_bindir()
        if bindir is None:
            raise ServerError("no initdb/pg_ctl was found to start PostgreSQL")
        # initdb refuses to run as root: run the server as the `postgres` user then.
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise ServerError("as root, PostgreSQL needs a `postgres` user") from None
            self._as_user = ["runuser", "-u", "postgres", "--"]
        self.folder = Path(tempfile.mkdtemp(prefix="nox-pg-"))
        if self._as_user:
            shutil.chown(self.folder, "postgres")
        self._bindir, self._data, self.port = bindir, self.folder / "data", free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._pg_ctl = [*self._as_user, str(bindir / "pg_ctl"), "-D", str(self._data)]

    def create(self) -> None:
        """initdb, then start."""
        initdb = [*self._as_user, str(self._bindir / "initdb"), "-D", str(self._data)]
        self._run([*initdb, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
        self.start()

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.folder / "server.log")
        self._run([*self._pg_ctl, "-l", log, "-o", options, "-w", "start"])

    def stop(self, mode: str = "fast") -> None:
        """`fast` ends every connection and shuts down cleanly; `immediate` is a crash."""
        self._run([*self._pg_ctl, "-m", mode, "-w", "stop"])

    def remove(self) -> None:
        if (self._data / "postmaster.pid").exists():
            subprocess.run([*self._pg_ctl, "-m", "immediate", "-w", "stop"], capture_output=True)
        shutil.rmtree(self.folder, ignore_errors=True)

    @staticmethod
    def _run(command: list[str]) -> None:
        try:
            subprocess.run(command, check=True, capture_output=True, text=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            output = getattr(exc, "stderr", "") or str(exc)
            raise ServerError(f"`{' '.join(command)}` failed: {output.strip()}") from None


class ThrowawayRedis:
    """A redis-server on a free loopback port, without persistence."""

    def __init__(self) -> None:
        self._binary = shutil.which("redis-server")
        if self._binary is None:
            raise ServerError("no redis-server was found to start Redis")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [self._binary or "", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no"]
        self._process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        if not wait_for(self.url, 6379):
            self.stop()
            raise ServerError("redis-server did not start")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None
