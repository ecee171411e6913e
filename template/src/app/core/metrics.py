"""Prometheus metrics, and the middleware that times every request.

Metrics live in the process-wide default registry. With several uvicorn workers
in one container each worker counts on its own; run one worker per container
and scale containers instead (the Kubernetes manifests do).
"""

import time

import structlog
from prometheus_client import Counter, Gauge, Histogram
from starlette.routing import Match, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUESTS = Counter("http_requests_total", "HTTP requests answered.", ["method", "route", "status"])
LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time to answer HTTP requests.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
IN_FLIGHT = Gauge("http_requests_in_progress", "HTTP requests being answered.")
DB_QUERIES = Counter("db_queries_total", "Database statements run.")
DB_QUERY_SECONDS = Histogram(
    "db_query_duration_seconds",
    "Time of database statements.",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0),
)
DB_SLOW_QUERIES = Counter("db_slow_queries_total", "Statements slower than the threshold.")
DB_POOL = Gauge("db_pool_connections", "Database pool connections.", ["state"])
RATE_LIMIT_STORAGE_ERRORS = Counter(
    "rate_limit_storage_errors_total",
    "Rate-limit checks that fell back to in-process counting because the storage failed.",
)
SECURITY_EVENTS = Counter(
    "security_events_total", "Security events (sign-ins, failures, lockouts...).", ["event"]
)

logger = structlog.get_logger("app.access")


class ObservabilityMiddleware:
    """Count, time and log every HTTP request, labelled by its route *template*.

    Labelling by template (`/api/v1/users/{user_id}`), not by path, keeps the
    number of time series bounded. Pure ASGI: no per-request task or buffering.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        root_path = scope.get("root_path", "")  # a mount changes it on the way in

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, send_with_status)
        finally:
            IN_FLIGHT.dec()
            elapsed = time.perf_counter() - start
            route = _route_template(scope, root_path)
            REQUESTS.labels(scope["method"], route, status).inc()
            LATENCY.labels(scope["method"], route).observe(elapsed)
            logger.info(
                "request",
                route=route,
                status=status,
                latency_ms=round(elapsed * 1000, 2),
                client=scope["client"][0] if scope.get("client") else None,
            )


def _route_template(scope: Scope, root_path: str) -> str:
    route = scope.get("route")
    path: str | None = getattr(route, "path", None)
    return path or _plain_route_path(scope, root_path) or "unmatched"


def _plain_route_path(scope: Scope, root_path: str) -> str | None:
    """The path of the plain Starlette route or mount that answered, if one did.

    FastAPI records only its own routes in the scope; `/openapi.json` and the docs
    assets are plain ones, found here by matching the request again (only for
    requests no FastAPI route answered).
    """
    request = {**scope, "root_path": root_path}
    for route in getattr(scope.get("app"), "routes", ()):
        if type(route) in (Route, Mount) and route.matches(request)[0] is not Match.NONE:
            path: str = route.path
            return path
    return None
