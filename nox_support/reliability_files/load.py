"""Load for the fault and soak sessions: a fixed mix of requests, every answer recorded.

Runs in the rendered project's environment (it has httpx) with a JSON plan in
$LOAD_PLAN (see nox_support/reliability.py). Writes one JSON line per request to
plan["out"]: its kind, start and end (Unix time), the status or the transport error,
the envelope's error_code, and for a create the title sent and the id answered.
"""

import asyncio
import json
import os
import signal
import time
import uuid
from pathlib import Path
from typing import IO, Any

import httpx

TASKS = "/api/v1/users/me/tasks"


class Recorder:
    def __init__(self, client: httpx.AsyncClient, out: IO[str]) -> None:
        self.client, self.out = client, out

    async def call(self, kind: str, method: str, url: str, **kwargs: Any) -> httpx.Response | None:
        record: dict[str, Any] = {"kind": kind, "start": time.time()}
        response = None
        try:
            response = await self.client.request(method, url, **kwargs)
            record["status"] = response.status_code
            if response.status_code >= 400 and "json" in response.headers.get("content-type", ""):
                record["code"] = response.json().get("error_code")
            elif kind == "ready":  # ok, or degraded (an optional dependency is down)
                record["ready"] = response.json()["status"]
        except httpx.HTTPError as exc:
            record["error"] = type(exc).__name__
        record["end"] = time.time()
        if kind == "create":
            record["title"] = kwargs["json"]["title"]
            if response is not None and response.status_code == 201:
                record["id"] = response.json()["id"]
        self.out.write(json.dumps(record) + "\n")
        if "error" in record:
            await asyncio.sleep(0.05)  # the server is gone: do not spin
        return response


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def writer(rec: Recorder, plan: dict[str, Any], until: float) -> None:
    """Creates, each followed by a read of the list."""
    headers = bearer(plan["token"])
    while time.time() < until:
        title = f"load {uuid.uuid4()}"
        await rec.call("create", "POST", TASKS, json={"title": title}, headers=headers)
        await rec.call("list", "GET", TASKS, params={"size": 5}, headers=headers)
        await asyncio.sleep(plan["pause"])


async def reader(rec: Recorder, plan: dict[str, Any], until: float) -> None:
    while time.time() < until:
        await rec.call("me", "GET", "/api/v1/users/me", headers=bearer(plan["token"]))
        await asyncio.sleep(plan["pause"])


async def prober(rec: Recorder, plan: dict[str, Any], until: float) -> None:
    while time.time() < until:
        await rec.call("ready", "GET", "/health/ready")
        await asyncio.sleep(0.2)


async def signer(rec: Recorder, plan: dict[str, Any], until: float) -> None:
    """A sign-in a second: the hasher and the sign-in rate limit under the fault."""
    credentials = {"email": plan["email"], "password": plan["password"]}
    while time.time() < until:
        await rec.call("login", "POST", "/api/v1/auth/login", json=credentials)
        await asyncio.sleep(1)


async def life_cycle(rec: Recorder, plan: dict[str, Any], until: float) -> None:
    """The soak's mix: every kind of endpoint, a task's whole life, and now and then
    a whole session's (sign in, refresh, sign out)."""
    headers, rounds = bearer(plan["token"]), 0
    credentials = {"email": plan["email"], "password": plan["password"]}
    while time.time() < until:
        await rec.call("live", "GET", "/health/live")
        await rec.call("me", "GET", "/api/v1/users/me", headers=headers)
        response = await rec.call(
            "create", "POST", TASKS, json={"title": f"soak {rounds}"}, headers=headers
        )
        await rec.call("list", "GET", TASKS, params={"size": 20}, headers=headers)
        if response is not None and response.status_code == 201:
            task = f"{TASKS}/{response.json()['id']}"
            await rec.call("update", "PATCH", task, json={"completed": True}, headers=headers)
            await rec.call("delete", "DELETE", task, headers=headers)
        if rounds % 25 == 0:
            signed = await rec.call("login", "POST", "/api/v1/auth/login", json=credentials)
            if signed is not None and signed.status_code == 200:
                pair = signed.json()
                body = {"refresh_token": pair["refresh_token"]}
                refreshed = await rec.call("refresh", "POST", "/api/v1/auth/refresh", json=body)
                if refreshed is not None and refreshed.status_code == 200:
                    token = refreshed.json()["access_token"]
                    await rec.call("logout", "POST", "/api/v1/auth/logout", headers=bearer(token))
        rounds += 1
        await asyncio.sleep(plan["pause"])


async def login_burst(rec: Recorder, plan: dict[str, Any]) -> None:
    """At `burst_at`: sign-ins that queue for the hasher, then SIGTERM to the server
    while they are surely in flight."""
    await asyncio.sleep(plan["burst_at"])
    credentials = {"email": plan["email"], "password": plan["password"]}
    burst = [
        asyncio.create_task(
            rec.call("in-flight login", "POST", "/api/v1/auth/login", json=credentials)
        )
        for _ in range(plan["burst"])
    ]
    await asyncio.sleep(0.15)
    os.kill(plan["sigterm_pid"], signal.SIGTERM)
    rec.out.write(json.dumps({"kind": "sigterm", "start": time.time()}) + "\n")
    await asyncio.gather(*burst)


WORKERS = {
    "writer": writer,
    "reader": reader,
    "prober": prober,
    "signer": signer,
    "life": life_cycle,
}


async def main(plan: dict[str, Any]) -> None:
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    client = httpx.AsyncClient(base_url=plan["base"], timeout=plan["timeout"], limits=limits)
    with Path(plan["out"]).open("w") as out:
        async with client:
            rec = Recorder(client, out)
            until = time.time() + plan["seconds"]
            jobs = [WORKERS[name](rec, plan, until) for name in plan["workers"]]
            if plan.get("sigterm_pid"):
                jobs.append(login_burst(rec, plan))
            await asyncio.gather(*jobs)


asyncio.run(main(json.loads(os.environ["LOAD_PLAN"])))
