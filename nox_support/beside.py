"""Commands that run one after another beside a session's longest command.

A `combo` session's static checks are independent of its tests: ruff and mypy only
read the sources. Run one after the other, a combination run alone keeps one of the two
cores idle (mypy with a cold cache takes 10 s); so they run in a thread beside pytest.
Their output is kept and printed when they end, with each command's wall and CPU
seconds (from `os.wait4`, so pytest's CPU is not counted in). The first failing command
stops the rest and fails the session.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import nox


@dataclass
class Command:
    title: str
    args: list[str]
    env: Mapping[str, str | None]
    after: Callable[[], None] | None = None  # called when the command succeeded


@dataclass
class Outcome:
    title: str
    returncode: int
    output: str
    wall: float
    cpu: float


@dataclass
class Beside:
    """Run `commands` in order in a thread, in `cwd`; `finish` waits and reports."""

    commands: list[Command]
    cwd: Path
    outcomes: list[Outcome] = field(default_factory=list)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Beside:
        self._thread = threading.Thread(target=self._run_all, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._thread is not None:
            self._thread.join()

    def _run_all(self) -> None:
        for command in self.commands:
            outcome = run(command, self.cwd)
            self.outcomes.append(outcome)
            if outcome.returncode:
                return
            if command.after is not None:
                command.after()

    def cpu_seconds(self) -> float:
        """CPU seconds of the commands that ended."""
        return sum(outcome.cpu for outcome in self.outcomes)

    def report(self, session: nox.Session) -> None:
        """Log each command's output and figures; fail the session on a failed one."""
        for outcome in self.outcomes:
            session.log(f"{outcome.title} (beside pytest)\n{outcome.output}".rstrip())
            session.log(f"step {outcome.title}: {outcome.wall:.1f} s wall, {outcome.cpu:.1f} s CPU")
            if outcome.returncode:
                session.error(f"{outcome.title} failed with exit code {outcome.returncode}")


def run(command: Command, cwd: Path) -> Outcome:
    """Run one command; its output, and its own CPU seconds with those of its children."""
    env = dict(os.environ)
    for name, value in command.env.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    start = time.monotonic()
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(
            command.args, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read().decode(errors="replace")
    return Outcome(
        command.title,
        process.returncode,
        text,
        wall=time.monotonic() - start,
        cpu=usage.ru_utime + usage.ru_stime,
    )
