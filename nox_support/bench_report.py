"""docs/performance.md, written from one `nox -s bench` run (nox_support/bench.py)."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from nox_support.bench import Result

PACKAGES = (
    "fastapi",
    "starlette",
    "uvicorn",
    "sqlalchemy",
    "sqlmodel",
    "asyncpg",
    "pydantic",
    "pyjwt",
    "argon2-cffi",
    "redis",
)
TEMPLATE = Path(__file__).resolve().parent / "bench_files" / "performance.md"


def machine(python: Path, postgresql: str) -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    script = (
        "import json, sys, importlib.metadata as m; print(json.dumps("
        "[sys.version.split()[0]] + [m.version(p) for p in sys.argv[1:]]))"
    )
    found = json.loads(
        subprocess.run(
            [str(python), "-c", script, *PACKAGES], capture_output=True, text=True, check=True
        ).stdout
    )
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split()[1]
    versions = ", ".join(f"{p} {v}" for p, v in zip(PACKAGES, found[1:], strict=True))
    return (
        f"- {os.cpu_count()} CPUs ({cpu}), Linux {platform.release()}; "
        f"measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n"
        f"- Python {found[0]}, PostgreSQL {postgresql}, wrk {wrk}\n- {versions}"
    )


def write(
    path: Path, results: list[Result], *, modules: tuple[str, ...], seconds: int, machine_text: str
) -> None:
    raw = results[0].rps
    rows = []
    for r in results:
        row = (
            f"| {r.case} | {r.connections} | {r.workers} | {r.rps:,.0f} | "
            f"{r.rps / raw:.0%} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | {errors(r)} | "
            f"{f'{r.cpu_us:,.0f}' if r.requests else '—'} | {r.load:.2f} |"
        )
        rows.append(row)
        if r.beside:
            rows.append(
                f"| … logins meanwhile | 16 | 1 | {r.beside['rps']:,.1f} | | | "
                f"{r.beside['p99_ms']:.1f} | | | |"
            )
    text = TEMPLATE.read_text(encoding="utf-8").format(
        modules=" + ".join(modules), seconds=seconds, machine=machine_text, rows="\n".join(rows)
    )
    path.write_text(text, encoding="utf-8")


def errors(r: Result) -> str:
    return f"{r.errors} ({r.timeouts})" if r.requests else "stalled: no answer"
