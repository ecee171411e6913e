"""A table of every session's time and result, printed when `nox` ends.

nox's own summary rounds durations to words ("2 minutes"). Each session wrapped in
`timed` writes one record (name, wall and CPU seconds, result) into a folder that the
process which loaded the noxfile first owns; that process prints the table at exit.
With `nox -j 2` each session runs in a nox process of its own, which inherits the folder
through the environment, so its CPU seconds (its own and its finished commands') are
the session's alone. CPU seconds compare runs on a shared machine better than wall time.

`step` logs the same two figures for one step of a session.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import json
import os
import resource
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import nox

from nox_support import ROOT

RECORDS_VARIABLE = "NOX_SUPPORT_TIMINGS"
RESULTS = {"_SessionSkip": "skipped", "_SessionQuit": "aborted"}  # else: failed
_STARTED = time.monotonic()


def records_dir() -> Path:
    """The run's folder of records; the first call in the top nox process creates it."""
    if folder := os.environ.get(RECORDS_VARIABLE):
        return Path(folder)
    folder = ROOT / ".nox" / "timings" / f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    folder.mkdir(parents=True, exist_ok=True)
    os.environ[RECORDS_VARIABLE] = str(folder)
    atexit.register(print_table, folder)
    return folder


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and of its children that have ended."""
    own, children = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@contextlib.contextmanager
def step(
    session: nox.Session, title: str, leave_out: Callable[[], float] = lambda: 0.0
) -> Iterator[None]:
    """Log the wall and CPU seconds the block took: `step mypy: 0.6 s wall, 0.5 s CPU`.

    `leave_out` gives CPU seconds to subtract: those of commands run beside the block's
    own, which report theirs (beside.py).
    """
    wall, cpu = time.monotonic(), cpu_seconds()
    try:
        yield
    finally:
        wall, cpu = time.monotonic() - wall, cpu_seconds() - cpu - leave_out()
        session.log(f"step {title}: {wall:.1f} s wall, {cpu:.1f} s CPU")


def timed(func: Callable[..., None]) -> Callable[..., None]:
    """Record the session's wall time and its result, named as nox names it."""

    @functools.wraps(func)
    def run(session: nox.Session, *args: Any, **kwargs: Any) -> None:
        start, cpu, result = time.monotonic(), cpu_seconds(), "failed"
        try:
            func(session, *args, **kwargs)
            result = "success"
        except BaseException as exc:
            # nox's names: session.skip() raises _SessionSkip, session.error() _SessionQuit.
            result = RESULTS.get(type(exc).__name__, result)
            raise
        finally:
            record = {"session": session.name, "seconds": time.monotonic() - start}
            record.update(cpu=cpu_seconds() - cpu, result=result)
            name = "".join(c if c.isalnum() else "_" for c in session.name) + ".json"
            (records_dir() / name).write_text(json.dumps(record), encoding="utf-8")

    return run


def table(records: list[dict[str, Any]], wall_seconds: float) -> str:
    """The records as a table, slowest first, and the run's wall time."""
    records = sorted(records, key=lambda record: -record["seconds"])
    width = max([len("session"), *(len(record["session"]) for record in records)])
    lines = [f"{'session':<{width}}  {'seconds':>8}  {'CPU s':>8}  result"]
    lines += [
        f"{r['session']:<{width}}  {r['seconds']:>8.1f}  {r['cpu']:>8.1f}  {r['result']}"
        for r in records
    ]
    busy, cpu = (sum(record[key] for record in records) for key in ("seconds", "cpu"))
    lines.append(f"{'sum of sessions':<{width}}  {busy:>8.1f}  {cpu:>8.1f}")
    lines.append(f"{'wall clock':<{width}}  {wall_seconds:>8.1f}")
    return "\n".join(lines)


def print_table(folder: Path) -> None:
    records = [json.loads(path.read_text(encoding="utf-8")) for path in folder.glob("*.json")]
    shutil.rmtree(folder, ignore_errors=True)
    if records:
        print("\nnox > session times\n" + table(records, time.monotonic() - _STARTED), flush=True)
