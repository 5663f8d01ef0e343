"""What running the server for a team needs besides MCP: `/healthz`, `/readyz` and `/metrics`, the MCP
middleware that counts and times requests and tool calls, and the JSON log formatter.

`/healthz` says the process answers and does nothing else; `/readyz` asks `Registry.readiness` (a catalog
in hand, and the shared defaults listener connected when there is one) and answers 503 with the reasons
otherwise. Both stay public when the server has a bearer token (load balancers probe without one);
`/metrics` does not. All three check the Host header as the picker's routes do (DNS rebinding).

Metrics live in a CollectorRegistry of each app's own, never prometheus-client's global one: several
servers share one test process. Per request, the middleware only increments counters whose labelled
children it keeps; what the registry knows (catalog age and source, refresh outcomes, defaults-store
errors) is read when Prometheus scrapes, by `RegistryCollector`. Label values come from closed sets, so a
client inventing tool or method names cannot grow the metrics without end.

Imports: the log formatter serves every command (`--log-format json`), stdio included, whose cold start
is benchmarked, so only the standard library is imported at the top; starlette and prometheus-client
(~50 ms alone, ~8 ms beside the MCP stack) are imported by the functions that build the HTTP app.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
    from mcp.server.mcpserver import MCPServer
    from mcp.server.transport_security import TransportSecuritySettings
    from prometheus_client import Counter, Histogram
    from prometheus_client.metrics_core import Metric
    from starlette.routing import Route

    from .registry import Registry

__all__ = [
    "PUBLIC_PATHS",
    "JsonFormatter",
    "RegistryCollector",
    "ToolMetrics",
    "install_metrics",
    "operations_routes",
]

PUBLIC_PATHS = frozenset({"/healthz", "/readyz"})  # load balancers probe without credentials
# From a lookup in the catalog in hand (well under a millisecond) to the tools that call out
# (refresh_catalog, verify_credentials), which give up after seconds.
TOOL_SECONDS_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
UNKNOWN_TOOL = "unknown"  # the tool label of a call naming no tool this server has
OTHER_METHOD = "other"  # the method label of a request this server does not serve
NO_STORE = {"Cache-Control": "no-store"}  # a cached probe answer would hide the change it probes for


# --- routes ----------------------------------------------------------------------------------------


def operations_routes(
    server: MCPServer, security: TransportSecuritySettings, registry: Registry | None
) -> list[Route]:
    """GET /healthz; with a registry, also /readyz and /metrics (which installs the middleware on `server`)."""
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    from .web import _host_problem  # the picker's own check: a foreign Host gets the very same 421

    async def healthz(request: Request) -> Response:
        return _host_problem(request, security) or JSONResponse({"status": "ok"}, headers=NO_STORE)

    routes = [Route("/healthz", healthz, methods=["GET"])]
    if registry is None:
        return routes

    async def readyz(request: Request) -> Response:
        if problem := _host_problem(request, security):
            return problem
        if reasons := registry.readiness():
            return JSONResponse(
                {"status": "not ready", "reasons": reasons}, status_code=503, headers=NO_STORE
            )
        return JSONResponse({"status": "ready"}, headers=NO_STORE)

    scrape, content_type = install_metrics(server, registry)

    async def metrics(request: Request) -> Response:
        # The bearer token, when the server has one, is checked by http_app.BearerAuth before this.
        return _host_problem(request, security) or Response(
            scrape(), media_type=content_type, headers=NO_STORE
        )

    routes += [Route("/readyz", readyz, methods=["GET"]), Route("/metrics", metrics, methods=["GET"])]
    return routes


# --- metrics ---------------------------------------------------------------------------------------


def install_metrics(server: MCPServer, registry: Registry) -> tuple[Callable[[], bytes], str]:
    """A CollectorRegistry of its own fed by a ToolMetrics middleware on `server`; (scrape, its content type)."""
    from prometheus_client import CollectorRegistry, Counter, Histogram, ProcessCollector, generate_latest
    from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

    metrics = CollectorRegistry()
    calls = Counter(
        "models_registry_tool_calls_total",
        "MCP tool calls by tool and outcome (error: an error result or a raised error).",
        ["tool", "outcome"],
        registry=metrics,
    )
    seconds = Histogram(
        "models_registry_tool_seconds",
        "Time spent in MCP tool calls, by tool.",
        ["tool"],
        buckets=TOOL_SECONDS_BUCKETS,
        registry=metrics,
    )
    requests = Counter(
        "models_registry_requests_total",
        f"MCP requests by method ({OTHER_METHOD}: a method this server does not serve).",
        ["method"],
        registry=metrics,
    )
    metrics.register(RegistryCollector(registry))
    ProcessCollector(registry=metrics)  # memory, CPU and open files: nothing on platforms without /proc
    # One app per server: building another over the same server moves the counting to it, never doubles it.
    server.middleware[:] = [m for m in server.middleware if not isinstance(m, ToolMetrics)]
    server.middleware.append(ToolMetrics(server, calls, seconds, requests))
    # The classic text format: every Prometheus version reads it, and the parser in prometheus-client too.
    return (lambda: generate_latest(metrics)), CONTENT_TYPE_PLAIN_0_0_4


class ToolMetrics:
    """MCP server middleware (mcp.server.context.ServerMiddleware): counts every request by method, and
    counts and times every tool call by tool and outcome.

    On the hot path: the labelled children are looked up once and kept, so a call costs two clock reads,
    a few dict lookups and three increments. Installed innermost (appended), so the time is the handler's.
    """

    def __init__(self, server: MCPServer, calls: Counter, seconds: Histogram, requests: Counter):
        self._server = server
        self._calls_metric, self._seconds_metric, self._requests_metric = calls, seconds, requests
        self._tools: frozenset[str] | None = None  # read from the server at the first call: fixed once built
        self._calls: dict[tuple[str, str], Any] = {}
        self._seconds: dict[str, Any] = {}
        self._requests: dict[str, Any] = {}  # only methods the server serves: a bounded table
        self._other_requests = requests.labels(OTHER_METHOD)  # there from the start, at 0

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        if ctx.request_id is None:  # a notification: no answer to count or time
            return await call_next(ctx)
        self._request_counter(ctx.method).inc()
        if ctx.method != "tools/call":
            return await call_next(ctx)
        tool = await self._tool_label(ctx.params)
        start = time.perf_counter()
        try:
            result = await call_next(ctx)
        except Exception:  # MCPError, ValidationError or a crash: the client gets an error all the same
            self._record(tool, "error", time.perf_counter() - start)
            raise
        # A cancelled call raises past this untimed: the client left, the server did not fail.
        self._record(tool, "error" if _is_error(result) else "ok", time.perf_counter() - start)
        return result

    def _request_counter(self, method: str) -> Any:
        if (child := self._requests.get(method)) is not None:
            return child
        # initialize is answered by the SDK itself, with no handler; any other method needs one (the
        # low-level server's table: MCPServer has no public view of it).
        if method != "initialize" and self._server._lowlevel_server.get_request_handler(method) is None:
            return self._other_requests
        child = self._requests[method] = self._requests_metric.labels(method)
        return child

    async def _tool_label(self, params: Any) -> str:
        if self._tools is None:
            self._tools = frozenset(tool.name for tool in await self._server.list_tools())
        name = params.get("name") if isinstance(params, Mapping) else None
        known = isinstance(name, str) and name in self._tools  # str first: a list would not even hash
        return name if known else UNKNOWN_TOOL

    def _record(self, tool: str, outcome: str, elapsed: float) -> None:
        calls = self._calls.get((tool, outcome))
        if calls is None:
            calls = self._calls[tool, outcome] = self._calls_metric.labels(tool, outcome)
        seconds = self._seconds.get(tool)
        if seconds is None:
            seconds = self._seconds[tool] = self._seconds_metric.labels(tool)
        calls.inc()
        seconds.observe(elapsed)


def _is_error(result: object) -> bool:
    """An error result: the wire dict the chain hands back, or a CallToolResult should a middleware inside return one."""
    if isinstance(result, dict):
        return result.get("isError") is True
    return getattr(result, "is_error", False) is True


class RegistryCollector:
    """A prometheus-client collector reading the registry when scraped: nothing is computed per request."""

    def __init__(self, registry: Registry):
        self.registry = registry

    def collect(self) -> list[Metric]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        from .registry import RefreshOutcome

        status = self.registry.status()
        age = GaugeMetricFamily(
            "models_registry_catalog_age_seconds",
            "Seconds since upstream last confirmed the catalog in hand (absent when its date is unknown).",
        )
        if status.age_seconds is not None:
            age.add_metric([], status.age_seconds)
        source = GaugeMetricFamily(
            "models_registry_catalog_source",
            "Where the catalog in hand came from (the one series is 1).",
            labels=["source"],
        )
        source.add_metric([str(status.source)], 1)
        refreshes = CounterMetricFamily(
            "models_registry_refresh",
            "Catalog refresh attempts in this process, by outcome.",
            labels=["outcome"],
        )
        # Every outcome from the start, at 0: rate() and alerts see the first failure as a change.
        counts = {str(outcome): 0 for outcome in RefreshOutcome} | dict(self.registry.refresh_outcomes)
        for outcome, count in sorted(counts.items()):
            refreshes.add_metric([outcome], count)
        errors = CounterMetricFamily(
            "models_registry_defaults_store_errors",
            "Failed reads, connects and writes of the defaults store since start.",
            value=self.registry.defaults_store_errors,
        )
        return [age, source, refreshes, errors]


# --- logs ------------------------------------------------------------------------------------------


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line: time (ISO 8601, UTC), level, logger, message, exception.

    ensure_ascii escapes every control, bidi and other non-ASCII character, so catalog or config text
    quoted in a message can neither break the line nor act on a terminal that shows it.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=True)
