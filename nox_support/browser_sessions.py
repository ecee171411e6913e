"""Browser sessions in headless Chromium: the refresh cookie as a real browser keeps it.

A page served here, from an origin in the service's CORS_ORIGINS, signs in with
`X-Auth-Transport: cookie`, reloads, refreshes through the cookie, reads
/users/me, and later logs out. In between, two hostile pages (another origin of
the same site, which SameSite does not stop, and another site) try to refresh and
log out with the browser's cookie. The check reads what each page reported and the
service's own request log. Chromium reaches nothing but loopback.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import nox

from nox_support.browser import CHROMIUM_FLAGS, find_chromium, wait_until_up
from nox_support.services import free_port

PAGES = Path(__file__).resolve().parent / "browser_pages"
EMAIL = "browser@example.com"
# The page's path lies inside the cookie's (`/api/v1/auth`), so `document.cookie` would
# show the refresh cookie if it were not HttpOnly: cookies ignore the port.
APP_PATH = "/api/v1/auth/app.html"
# Part of the cookie's name, with or without its `__Secure-` prefix.
COOKIE_NAME = "refresh_token"
# 127.0.0.1 and localhost are different sites; `localhost` must resolve too. No virtual
# time budget: on a busy machine the flow (four page loads, a dozen requests) outlasted
# it and Chromium stopped midway; the browser runs until the frontend reports its end.
FLAGS = [
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1, EXCLUDE localhost"
    if flag.startswith("--host-resolver-rules")
    else flag
    for flag in CHROMIUM_FLAGS
    if not flag.startswith("--virtual-time-budget")
]
# How long the whole flow may take in real time before the check gives up on it.
FLOW_TIMEOUT_SECONDS = 180


def check_sessions(session: nox.Session, project: Path, slug: str) -> None:
    """Run the flow in Chromium against `project` served on loopback; fail on any surprise."""
    chromium = find_chromium(session)
    api_port, app_port, attack_port = free_port(), free_port(), free_port()
    api, frontend = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{app_port}"
    password = secrets.token_urlsafe(16)
    database = project / "sessions.db"
    database.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "DATABASE_URL")}
    env.update(
        UV_PYTHON_DOWNLOADS="never",
        DATABASE_URL=f"sqlite+aiosqlite:///{database}",
        SECRET_KEY=secrets.token_urlsafe(48),
        CORS_ORIGINS=frontend,
        # As in production; Chromium takes Secure cookies from loopback over http.
        SESSION_COOKIE_SECURE="true",
        LOG_FORMAT="json",
        ADMIN_PASSWORD=password,
    )
    with session.chdir(project):
        session.run("uv", "sync", env=env, external=True)
        session.run("uv", "run", slug, "db", "upgrade", env=env, external=True)
        session.run("uv", "run", slug, "create-admin", "--email", EMAIL, env=env, external=True)
    fill = {
        "api": api,
        "attackers": json.dumps(
            [
                f"http://127.0.0.1:{attack_port}/attack.html",
                f"http://localhost:{attack_port}/attack.html",
            ]
        ),
        "email": EMAIL,
        "password": password,
        "cookie_name": COOKIE_NAME,
    }
    reports: list[dict[str, Any]] = []
    log = project / "sessions-server.log"
    serve = ["uv", "run", slug, "serve", "--port", str(api_port)]
    with (
        log.open("w") as output,
        serve_pages(app_port, fill, reports),
        serve_pages(attack_port, fill, reports),
        subprocess.Popen(serve, cwd=project, env=env, stdout=output, stderr=output) as server,
    ):
        try:
            wait_until_up(f"{api}/health/live", server)
            run_chromium(chromium, f"{frontend}{APP_PATH}", reports)
        finally:
            server.terminate()
    requests = api_requests(log)
    for line in requests:
        session.log(f"service: {line}")
    for report in reports:
        details = {k: v for k, v in report.items() if k not in ("page", "step")}
        session.log(f"page {report['page']} {report['step']}: {json.dumps(details)}")
    if problems := find_problems(reports, requests, password, log.read_text(encoding="utf-8")):
        session.error("browser sessions:\n  " + "\n  ".join(problems))
    session.log("browser sessions: every step as expected")


def run_chromium(chromium: str, url: str, reports: list[dict[str, Any]]) -> None:
    """Open `url` and wait until the frontend reports its last step (or an error)."""
    with tempfile.TemporaryDirectory() as profile:
        browser = subprocess.Popen(
            [chromium, *FLAGS, f"--user-data-dir={profile}", url],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + FLOW_TIMEOUT_SECONDS
            while not flow_ended(reports) and time.monotonic() < deadline:
                if browser.poll() is not None:
                    break  # find_problems names the steps that never reported
                time.sleep(0.2)
        finally:
            browser.terminate()
            try:
                browser.wait(timeout=10)
            except subprocess.TimeoutExpired:
                browser.kill()


def flow_ended(reports: list[dict[str, Any]]) -> bool:
    """The frontend's last step, or an error from any page, has been reported."""
    last_step = ("app", "logout")
    return any(
        r.get("step") == "error" or (r.get("page"), r.get("step")) == last_step for r in reports
    )


@contextmanager
def serve_pages(port: int, fill: dict[str, str], reports: list[dict[str, Any]]) -> Iterator[None]:
    """Serve the pages, filled in, on loopback `port`; keep what they POST to /report."""

    class Pages(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            name = "app.html" if self.path.startswith(APP_PATH) else "attack.html"
            page = (PAGES / name).read_text(encoding="utf-8")
            for key, value in fill.items():
                page = page.replace("{{" + key + "}}", value)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            # The control: a cookie a script may read, on the refresh cookie's path.
            self.send_header("Set-Cookie", "visible=yes; Path=/api/v1/auth")
            self.end_headers()
            self.wfile.write(page.encode())

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            reports.append(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return  # quiet

    server = ThreadingHTTPServer(("127.0.0.1", port), Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


def api_requests(log: Path) -> list[str]:
    """`METHOD path status` of each request the service logged, in order."""
    lines = []
    for raw in log.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(raw)
        except json.JSONDecodeError:
            continue
        if entry.get("event") == "request" and entry.get("path", "").startswith("/api/"):
            lines.append(f"{entry['method']} {entry['path']} {entry['status']}")
    return lines


def find_problems(
    reports: list[dict[str, Any]], requests: list[str], secret: str, log_text: str
) -> list[str]:
    """What differs from the expected flow; empty when all is well."""
    steps = {(r.get("page"), r.get("step")): r for r in reports}
    expected_app = {
        "login": {"status": 200, "body": ["access_token", "expires_in", "token_type", "user"]},
        "reloaded": {"refresh": 200, "me": {"status": 200, "email": EMAIL}},
        "logout": {
            "refresh": 200,
            "me": {"status": 200, "email": EMAIL},
            "logout": 204,
            "refreshAfterLogout": 401,
        },
    }
    problems = []
    for step, wanted in expected_app.items():
        got = steps.get(("app", step))
        if got is None:
            problems.append(f"the frontend never reported step {step!r}: {reports}")
            continue
        problems += [
            f"{step}: {k} is {got.get(k)!r}, not {v!r}"
            for k, v in wanted.items()
            if got.get(k) != v
        ]
        if not got.get("control") or got.get("refreshCookie"):
            problems.append(f"{step}: document.cookie must show the control cookie only: {got}")
    attacks = [r for r in reports if r.get("step") == "attack"]
    if len(attacks) != 2:
        problems.append(f"expected two hostile pages to report, got {len(attacks)}")
    for attack in attacks:
        for attempt, outcome in attack["results"].items():
            if "with the header" in attempt and outcome != "refused: TypeError":
                problems.append(f"{attack['page']}: {attempt}: {outcome}")
    # The service's view: the hostile pages' requests without the header arrived and were
    # refused without touching the cookie; with it, only their preflights arrived.
    attack = ["POST /api/v1/auth/refresh 422", "POST /api/v1/auth/logout 401"]
    attack.append("POST /api/v1/auth/logout-all 401")
    wanted = [
        "POST /api/v1/auth/login 200",
        "POST /api/v1/auth/refresh 200",
        "GET /api/v1/users/me 200",
        *attack,
        *attack,
        "POST /api/v1/auth/refresh 200",
        "GET /api/v1/users/me 200",
        "POST /api/v1/auth/logout 204",
        "POST /api/v1/auth/refresh 401",
    ]
    if (got := [line for line in requests if not line.startswith("OPTIONS")]) != wanted:
        problems.append(f"the service answered {got}, not {wanted}")
    refused_preflights = [
        line for line in requests if line.startswith("OPTIONS") and line.endswith(" 400")
    ]
    if len(refused_preflights) != 6:
        problems.append(f"expected 6 refused preflights, got {refused_preflights}")
    if secret in log_text:
        problems.append("the password reached the service's log")
    return problems
