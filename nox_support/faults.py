"""Faults under load and a soak, judged by what the clients saw (the `faults` and `soak` sessions).

Each fault runs on a fresh server of the fullest PostgreSQL render, production settings,
while writers create tasks and read lists, a reader asks for the current user, a prober
polls `/health/ready` and a sign-in arrives every second:

- **database outage**: this session's own PostgreSQL cluster is stopped (`immediate`, a
  crash) for a few seconds, then started. Every answer is a 2xx or a 503 in the envelope,
  none takes longer than `HANG_SECONDS`, readiness goes 503 and back, the service recovers
  without a restart, and every task answered 201 is in the database.
- **Redis outage**: this session's own redis-server is stopped, then started empty. The
  service serves on (degraded): every answer a 2xx, readiness `degraded` then `ok`.
- **SIGTERM**: sign-ins that queue for the hasher are in flight when the server gets
  SIGTERM. Every request in flight is answered, the server exits 0, and every 201 is
  in the database.

The soak drives every kind of endpoint at a moderate rate and samples the server's RSS.
"""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import nox

from nox_support.reliability import Record, Service
from nox_support.throwaway import ThrowawayPostgres, ThrowawayRedis

HANG_SECONDS = 10.0  # above DATABASE_CONNECT_TIMEOUT_SECONDS (5), below any client's patience
LOAD = ["writer", "writer", "reader", "prober", "signer"]


def outcome(record: Record) -> str:
    if "error" in record:
        return record["error"]
    return f"{record['status']} {record['code']}" if record.get("code") else str(record["status"])


def timeline(
    session: nox.Session, records: list[Record], start: float, marks: dict[str, float]
) -> None:
    """Per second of the run: each kind's outcomes, and the marks (fault on, fault off)."""
    by_second: dict[int, Counter[str]] = {}
    for record in records:
        if record["kind"] == "sigterm":
            continue
        second = int(record["start"] - start)
        label = outcome(record) + (f" {record['ready']}" if record.get("ready") else "")
        by_second.setdefault(second, Counter())[f"{record['kind']} {label}"] += 1
    notes = {int(at - start): name for name, at in marks.items()}
    for second in sorted(by_second):
        cells = ", ".join(f"{key} x{n}" for key, n in sorted(by_second[second].items()))
        mark = f"  <-- {notes[second]}" if second in notes else ""
        session.log(f"  +{second:2d}s  {cells}{mark}")


def check(failures: list[str], what: str, bad: list[Record]) -> None:
    if bad:
        failures.append(f"{what}: {len(bad)}, e.g. {bad[:3]}")


def creates_are_kept(service: Service, records: list[Record], failures: list[str]) -> None:
    """Every create answered 201 is a row; one answered 503 (or not at all) may or may not be."""
    answered = [r["title"] for r in records if r["kind"] == "create" and r.get("status") == 201]
    other = [r["title"] for r in records if r["kind"] == "create" and r.get("status") != 201]
    found = service.titles_in_database(answered + other)
    missing = [t for t in answered if t not in found]
    service.session.log(
        f"creates: {len(answered)} answered 201, {len(answered) - len(missing)} of them in the "
        f"database; {len(other)} answered 503 or not at all, {sum(t in found for t in other)} "
        "of those in it"
    )
    if missing:
        failures.append(f"{len(missing)} creates answered 201 are not in the database")


def first_after(records: list[Record], at: float, good: Callable[[Record], bool]) -> float | None:
    times = [r["end"] for r in records if r["start"] >= at and good(r)]
    return min(times) - at if times else None


@dataclass
class FaultRun:
    records: list[Record]
    began: float  # when the load started
    stopped: float  # when the server was stopped
    restarting: float  # when its start began
    started: float  # when it was serving again


def under_load(
    service: Service, name: str, seconds: float, stop: Callable[[], None], start: Callable[[], None]
) -> FaultRun:
    """Run the load on a fresh server; 5 s in, `stop` a server it needs, 5 s later `start` it."""
    with service.serving(name) as server:
        load = service.drive(server, seconds, LOAD)
        time.sleep(5)
        stopped = time.time()
        stop()
        time.sleep(5)
        restarting = time.time()
        start()
        started = time.time()
        return FaultRun(load.records(), load.started, stopped, restarting, started)


def database_outage(service: Service, postgres: ThrowawayPostgres) -> list[str]:
    session, failures = service.session, []
    run = under_load(
        service, "fault-database", 24, lambda: postgres.stop("immediate"), postgres.start
    )
    records, stopped, restarting, started = run.records, run.stopped, run.restarting, run.started
    session.log(
        f"database outage: PostgreSQL stopped at +{stopped - run.began:.1f}s, "
        f"started again at +{started - run.began:.1f}s; {len(records)} requests"
    )
    timeline(session, records, run.began, {"PostgreSQL stopped": stopped, "started": started})
    allowed = {200, 201, 503}
    check(
        failures,
        "answers other than 2xx or 503 SERVICE_UNAVAILABLE",
        [
            r
            for r in records
            if r.get("status") not in allowed
            or (r["status"] == 503 and r.get("code") != "SERVICE_UNAVAILABLE")
        ],
    )
    check(
        failures,
        f"answers slower than {HANG_SECONDS} s",
        [r for r in records if r["end"] - r["start"] > HANG_SECONDS],
    )
    down = [r for r in records if stopped < r["start"] < restarting]
    if not any(r["kind"] == "create" and r.get("status") == 503 for r in down):
        failures.append("no create was refused while PostgreSQL was down: the fault was not felt")
    if not any(r["kind"] == "ready" and r.get("status") == 503 for r in down):
        failures.append("/health/ready never said 503 while PostgreSQL was down")
    ready = first_after(records, started, lambda r: r["kind"] == "ready" and r.get("status") == 200)
    created = first_after(
        records, started, lambda r: r["kind"] == "create" and r.get("status") == 201
    )
    session.log(
        "after PostgreSQL started: "
        + (f"ready in {ready:.2f} s, " if ready is not None else "never ready, ")
        + (f"the first 201 in {created:.2f} s" if created is not None else "no 201")
    )
    if ready is None or created is None:
        failures.append("the service did not recover without a restart")
    else:
        settled = started + max(ready, created) + 1
        check(
            failures,
            "failures once recovered",
            [r for r in records if r["start"] > settled and r.get("status") not in (200, 201)],
        )
    creates_are_kept(service, records, failures)
    return failures


def redis_outage(service: Service, redis: ThrowawayRedis) -> list[str]:
    session, failures = service.session, []
    run = under_load(service, "fault-redis", 20, redis.stop, redis.start)
    records, stopped, started = run.records, run.stopped, run.started
    session.log(f"Redis outage: {len(records)} requests")
    timeline(session, records, run.began, {"Redis stopped": stopped, "started": started})
    check(
        failures,
        "answers other than 2xx (the service must serve degraded)",
        [r for r in records if r.get("status") not in (200, 201)],
    )
    check(
        failures,
        f"answers slower than {HANG_SECONDS} s",
        [r for r in records if r["end"] - r["start"] > HANG_SECONDS],
    )
    probes = [r for r in records if r["kind"] == "ready"]
    if not any(r.get("ready") == "degraded" for r in probes if stopped < r["start"] < started):
        failures.append("/health/ready never said degraded while Redis was down")
    if not probes or probes[-1].get("ready") != "ok":
        failures.append("/health/ready did not come back to ok after Redis started")
    creates_are_kept(service, records, failures)
    return failures


def sigterm(service: Service) -> list[str]:
    session, failures = service.session, []
    with service.serving("fault-sigterm") as server:
        exited: list[float] = []
        watcher = threading.Thread(
            target=lambda: (server.process.wait(), exited.append(time.time()))
        )
        watcher.start()
        load = service.drive(
            server,
            8,
            ["writer", "writer", "reader"],
            sigterm_pid=server.process.pid,
            burst_at=3,
            burst=6,
        )
        records = load.records()
        watcher.join(60)
        code = server.process.returncode
    signal_at = next(r["start"] for r in records if r["kind"] == "sigterm")
    records = [r for r in records if r["kind"] != "sigterm"]
    in_flight = [r for r in records if r["start"] < signal_at < r["end"]]
    cut = [r for r in in_flight if "status" not in r]
    burst = [r for r in records if r["kind"] == "in-flight login"]
    after = Counter(outcome(r) for r in records if r["start"] > signal_at)
    session.log(
        f"SIGTERM: {len(in_flight)} requests in flight ({len(burst)} sign-ins queued for the "
        f"hasher), {len(cut)} cut; in-flight outcomes {dict(Counter(map(outcome, in_flight)))}; "
        f"after it {dict(after)}; the server exited ({code}) {exited[0] - signal_at:.1f} s "
        "after the signal"
    )
    check(failures, "in-flight requests cut", cut)
    check(
        failures,
        "queued sign-ins not answered 200",
        [r for r in burst if r.get("status") != 200],
    )
    # uvicorn finishes its graceful shutdown, then ends by the signal it caught, so the
    # supervisor sees "terminated by SIGTERM" (-15 here); anything else is a crash.
    if code not in (0, -signal.SIGTERM):
        failures.append(f"the server exited with {code}")
    creates_are_kept(service, records, failures)
    return failures


def soak(service: Service, seconds: int) -> list[str]:
    session, failures = service.session, []
    samples: list[tuple[float, float]] = []
    with service.serving("soak") as server:
        samples.append((0.0, server.rss_mib()))
        load = service.drive(server, seconds, ["life"] * 4, pause=0.05)
        while load.process.poll() is None:
            time.sleep(5)
            samples.append((time.time() - load.started, server.rss_mib()))
        records = load.records()
    errors = [r for r in records if r.get("status") not in (200, 201, 204)]
    kinds = Counter(r["kind"] for r in records)
    session.log(
        f"soak: {len(records)} requests in {seconds} s ({len(records) / seconds:.0f}/s), "
        f"{len(errors)} errors; {dict(kinds)}"
    )
    for at, rss in samples[:: max(1, len(samples) // 12)] + samples[-1:]:
        session.log(f"  +{at:5.0f}s  RSS {rss:6.1f} MiB")
    # Each sign-in's argon2 hash holds PASSWORD_HASH_MEMORY_KIB (64 MiB) for a moment, so
    # single samples jump; the floor of a stretch of samples is what the process keeps.
    second, last = rss_floor(samples, seconds, 0.25, 0.5), rss_floor(samples, seconds, 0.75, 1.01)
    session.log(
        f"RSS: {samples[0][1]:.1f} MiB idle, floor {second:.1f} in the second quarter and "
        f"{last:.1f} in the last, {max(r for _, r in samples):.1f} at most (while hashing)"
    )
    check(failures, "errors", errors)
    if last - second > max(8.0, 0.1 * second):
        failures.append(
            f"RSS floor grew from {second:.1f} to {last:.1f} MiB: it does not level off"
        )
    return failures


def rss_floor(
    samples: list[tuple[float, float]], seconds: float, start: float, end: float
) -> float:
    """The lowest RSS sampled between `start` and `end` (fractions of the run)."""
    return min(rss for at, rss in samples if start * seconds <= at < end * seconds)
