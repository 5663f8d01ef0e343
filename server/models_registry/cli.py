"""The `models-registry` command: a terminal surface over the `Registry`.

One-shot commands (status, providers, models, show) read the catalog in hand
and never wait on the network; they say on stderr when it is stale and how to
refresh. `refresh` is the one command that fetches. Every command takes
`--json`, which prints the same pydantic models the MCP tools return.
Errors are one line on stderr naming the fix, with exit code 1.

Catalog text is untrusted: every human-readable line goes out through `_echo` and every table
cell through `_styled`, which pass it through `_printable` (no terminal control survives) and
hand rich `Text`, never markup. `--json` escapes the same characters inside its strings.
"""

from __future__ import annotations

import argparse
import gc
import io
import logging
import os
import re
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import anyio
import orjson
from pydantic import BaseModel

from . import __version__
from .catalog import CatalogError
from .recommend import KINDS, MODALITIES, OPTIMIZE_MODES, RecommendRequest
from .registry import CAPABILITIES, DefaultInfo, ModelEntry, ProviderInfo, Registry, UnknownModelError
from .settings import DEFAULT_URL, Settings
from .sources import (
    CatalogSource,
    FetchError,
    FetchLimits,
    fetch_catalog,
    os_error_text,
    redact_url,
    write_snapshot,
)

log = logging.getLogger("models_registry")

BADGES = {
    "tool_call": "tools",
    "reasoning": "reasoning",
    "attachment": "files",
    "structured_output": "json",
    "open_weights": "open",
}


class CliError(Exception):
    """A one-line error for the user; the CLI prints 'Error: …' and exits 1."""


# What a terminal would act on rather than show: C0 controls, DEL, C1 controls (0x9b is CSI to an
# 8-bit terminal) and the bidi embeddings, overrides, isolates and marks that reorder a line.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# Line and column breaks: a space keeps a table cell or a printed line on one line.
_BREAKS = frozenset("\t\n\v\f\r\x85\u2028\u2029")


def _neutral(match: re.Match[str]) -> str:
    char = match.group()
    if char in _BREAKS:
        return " "
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"  # visible, so an odd id still reads as odd


def _printable(text: object) -> str:
    """`text` safe to show on a terminal: breaks become spaces, other controls their \\x.. / \\u.... escape."""
    return _CONTROLS.sub(_neutral, str(text))


def _echo(line: str = "", *, err: bool = False) -> None:
    """Print one human-readable line (to stderr with err=True) with every terminal control neutralised."""
    print(_printable(line), file=sys.stderr if err else sys.stdout)


class _PrintableFormatter(logging.Formatter):
    """Log lines quote catalog and config text too: neutralise the message (a traceback, added after, keeps its lines)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return _printable(super().formatMessage(record))


def _dump(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


# JSON escapes C0 itself; DEL, C1 and bidi characters it may leave raw. They can only sit inside
# strings, where \\u.... decodes to the same character, so escaping them keeps the data exact.
_JSON_ESCAPES = {ord(char): f"\\u{ord(char):04x}" for char in map(chr, range(0x7F, 0x206A)) if _CONTROLS.match(char)}


def _print_json(value: Any) -> None:
    text = orjson.dumps(value, default=_dump, option=orjson.OPT_INDENT_2).decode()
    sys.stdout.write(text.translate(_JSON_ESCAPES) + "\n")


BADGE_STYLES = {"tools": "blue", "reasoning": "magenta", "files": "green", "json": "yellow", "open": "cyan"}


def _print_table(headers: list[str], groups: dict[str, list[list[Any]]]) -> None:
    """A table on stdout, one section per group (a provider) when there are several.

    Cells are strings or `_styled` Text; strings become Text here, so rich never reads catalog
    text as markup. rich turns colours off by itself when stdout is not a terminal or NO_COLOR
    is set; piped output gets a wide page so rows never wrap.
    """
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(*headers, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    for title, rows in groups.items():
        if title:
            table.add_row(_styled(title, "bold"))
        for row in rows:
            table.add_row(*(cell if isinstance(cell, Text) else _styled(cell, "") for cell in row))
        table.add_section()
    # markup and emoji off too: the headers are ours, but nothing here should be parsed.
    if sys.stdout.isatty():
        Console(highlight=False, markup=False, emoji=False).print(table)
        return
    buffer = io.StringIO()
    Console(file=buffer, highlight=False, markup=False, emoji=False, width=250).print(table)
    sys.stdout.write("".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines()))


def _styled(text: object, style: str) -> Any:
    """The one way text enters a table: neutralised, and a Text, so it is never parsed as markup."""
    from rich.text import Text

    return Text(_printable(text), style=style)


def _badges(labels: list[str]) -> Any:
    from rich.text import Text

    return Text(" ").join(_styled(label, BADGE_STYLES.get(label, "dim")) for label in labels)


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "unknown age"
    if seconds < 3600:
        return f"{int(seconds // 60)} min old"
    if seconds < 2 * 86400:
        return f"{int(seconds // 3600)} h old"
    return f"{int(seconds // 86400)} days old"


def _stale_note(registry: Registry) -> None:
    status = registry.status()
    if status.stale and status.source is not CatalogSource.FILE:
        _echo(
            f"note: the catalog ({status.source}, {_age(status.age_seconds)}) is stale; "
            "run `models-registry refresh` to update it",
            err=True,
        )


def _price(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


# --- commands ------------------------------------------------------------------------------------


def cmd_status(registry: Registry, args: argparse.Namespace) -> None:
    """Show where the catalog came from, how old it is and the credential summary.

    Example: models-registry status --json
    """
    status = registry.status()
    if args.json:
        _print_json({**status.model_dump(mode="json"), "summary": registry.summary().text})
        return
    _echo(registry.summary().text)
    fetched = status.fetched_at.date().isoformat() if status.fetched_at else "unknown"
    _echo(f"catalog: {status.source}, {status.providers} providers, {status.models} models, from {fetched}")
    _echo(f"freshness: {_age(status.age_seconds)}{' (stale)' if status.stale else ''}, ttl {status.ttl_seconds}s")
    _echo(f"url: {status.url or '-'}{' (offline)' if status.offline else ''}")
    _echo(f"cache: {status.cache_dir}")
    if status.skipped_models:
        _echo(f"skipped: {status.skipped_models} malformed models")
    if status.last_refresh:
        _echo(f"last refresh: {status.last_refresh.outcome} {status.last_refresh.error or ''}".rstrip())
    for problem in status.problems:
        _echo(f"problem: {problem}")


def cmd_providers(registry: Registry, args: argparse.Namespace) -> None:
    """List providers and whether their credentials are set (variable names only, never values).

    Shows providers you can call; --all adds the rest with the variables they need.
    Example: models-registry providers --all --json
    """
    providers = registry.providers(available_only=not args.all)
    if args.json:
        _print_json({"summary": registry.summary(), "providers": providers})
        return
    _echo(registry.summary().text)
    if not providers:
        _echo("No provider has credentials set. Set one, e.g. OPENAI_API_KEY, or see them all with --all.")
        return
    headers = ["provider", "configured", "models", "tools", "reasoning", "credentials (names only)"]
    _print_table(headers, {"": [_provider_row(p) for p in providers]})


def _provider_row(info: ProviderInfo) -> list[Any]:
    creds = info.credentials
    if not creds.needs_credential:
        detail = "no credential needed"
    elif creds.configured:
        detail = "set: " + ", ".join(creds.satisfied_by)
    else:
        detail = "needs: " + " or ".join(" + ".join(group) for group in creds.alternatives)
    counts = info.capability_counts
    return [
        info.id,
        _styled("✓ yes", "green") if info.available else _styled("✗ no", "red"),
        str(info.model_count),
        str(counts["tool_call"]),
        str(counts["reasoning"]),
        detail,
    ]


def cmd_models(registry: Registry, args: argparse.Namespace) -> None:
    """List models you can call, filtered by capability, modality, context and price.

    Example: models-registry models --capability tool_call --min-context 128000 --json
    """
    try:
        entries = registry.models(
            provider=args.provider,
            available_only=not args.all,
            capabilities=args.capability,
            input_modalities=args.input_modality,
            min_context=args.min_context,
            max_input_cost=args.max_input_cost,
            query=args.query,
            include_deprecated=args.include_deprecated,
            kind=args.kind,
        )
    except (ValueError, LookupError) as exc:
        raise CliError(str(exc).strip("'\"")) from None
    total = len(entries)
    entries = entries[: args.limit] if args.limit else entries
    if args.json:
        _print_json({"total": total, "models": entries})
        return
    _echo(registry.summary().text)
    if not entries:
        _echo("No models match." + ("" if args.all else " Add --all to include providers without credentials."))
        return
    groups: dict[str, list[list[Any]]] = {}
    for entry in entries:
        title = f"{entry.provider_id} ({'configured' if entry.available else 'not configured'})"
        groups.setdefault(title, []).append(_model_row(entry))
    _print_table(["model", "context", "in $/1M", "out $/1M", "capabilities"], groups)
    if total > len(entries):
        _echo(f"… {total - len(entries)} more; raise --limit or narrow the filters")


def _model_row(entry: ModelEntry) -> list[Any]:
    model = entry.model
    badges = [label for field, label in BADGES.items() if getattr(model, field)]
    if entry.kind != "chat":
        badges.insert(0, entry.kind)
    if model.status:
        badges.append(model.status)
    cost = model.cost
    strong = model.tool_call or model.reasoning  # what agents look for first
    return [
        _styled(entry.ref, "bold") if strong else entry.ref,
        f"{model.limit.context:,}",
        _price(cost.input if cost else None),
        _price(cost.output if cost else None),
        _badges(badges),
    ]


def cmd_show(registry: Registry, args: argparse.Namespace) -> None:
    """Show everything about one model, given as provider/model.

    Example: models-registry show openai/gpt-5 --json
    """
    try:
        entry = registry.get(args.model)
    except UnknownModelError as exc:
        raise CliError(str(exc)) from None
    if args.json:
        _print_json(entry)
        return
    model = entry.model
    state = "available" if entry.available else "provider not configured"
    _echo(f"{entry.ref}: {model.name}, {_a(entry.kind)} model ({state})")
    _echo(f"context {model.limit.context:,}, output {model.limit.output:,}; knowledge {model.knowledge or '-'}")
    if model.cost:
        _echo(f"price per 1M: input {_price(model.cost.input)}, output {_price(model.cost.output)}")
    _echo("capabilities: " + (" ".join(label for f, label in BADGES.items() if getattr(model, f)) or "-"))
    _echo(f"input: {', '.join(model.modalities.input)}; output: {', '.join(model.modalities.output)}")


def _a(word: str) -> str:
    """'an embedding', 'a chat'."""
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


def cmd_default_get(registry: Registry, args: argparse.Namespace) -> None:
    """Show the model for a role, where that choice came from, and whether it can be called now.

    Precedence: MODELS_REGISTRY_<ROLE>_MODEL, then `default set`, then the config
    file's [defaults], then a fallback among the models you can call.

    Example: models-registry default get --role small
    """
    _report_default(lambda: registry.get_default(args.role), args)


def cmd_default_set(registry: Registry, args: argparse.Namespace) -> None:
    """Remember a model for a role, across restarts (in a state file; your config is never rewritten).

    Example: models-registry default set anthropic/claude-haiku-4-5 --role small
    """
    _report_default(lambda: registry.set_default(args.model, args.role), args)


def _report_default(action: Callable[[], DefaultInfo], args: argparse.Namespace) -> None:
    try:
        info = action()
    except (UnknownModelError, ValueError) as exc:  # an unknown model (with close matches), a bad role
        raise CliError(str(exc).strip("'\"")) from None
    except OSError as exc:  # filelock.Timeout is an OSError too
        raise CliError(f"could not save the default ({os_error_text(exc)}); nothing was changed") from None
    if args.json:
        _print_json(info)
    else:
        _print_default(info)


def _print_default(info: DefaultInfo) -> None:
    _echo(f"{info.role}: {info.model or '(none)'} from {info.source}")
    if not info.usable:
        _echo(f"not usable now: {info.reason}" + (f"; use {info.fallback} instead" if info.fallback else ""))


def cmd_config_path(settings: Settings, args: argparse.Namespace) -> None:
    """Print where the config file is read from (MODELS_REGISTRY_CONFIG, else the platform config dir).

    Example: models-registry config path
    """
    path = settings.config_file
    exists = path is not None and path.is_file()
    if args.json:
        _print_json({"path": str(path) if path else None, "exists": exists})
    else:
        _echo(f"{path}{'' if exists else ' (not created yet)'}")


def cmd_config_check(registry: Registry, args: argparse.Namespace) -> None:
    """Check the config file: every problem with its file, line and key; exit 1 if there is one.

    The server never refuses to start over its config: what is wrong is left out and
    reported in status, list_providers and here.

    Example: models-registry config check
    """
    config = registry.config
    problems = registry.config_problems()
    custom = [p for p in registry.catalog.provider_ids if registry.catalog.head(p).get("source") == "config"]
    report = {
        "path": str(registry.settings.config_file),
        "exists": config is not None and config.exists,
        "problems": problems,
        "providers_from_config": custom,
        "defaults": config.file.defaults if config else {},
    }
    if args.json:
        _print_json(report)
    elif not report["exists"]:
        _echo(f"no config file at {report['path']}: nothing to check")
    else:
        _echo(f"{report['path']}: {len(custom)} providers set or changed, defaults for {len(report['defaults'])} roles")
        for problem in problems:
            _echo(f"problem: {problem}")
    if problems:
        raise CliError(f"{len(problems)} problem(s) in the config; the rest of it applies")


def cmd_refresh(registry: Registry, args: argparse.Namespace) -> None:
    """Fetch the catalog now (a conditional GET) and say what changed.

    Example: models-registry refresh --json
    """
    result = anyio.run(lambda: registry.refresh(force=not args.if_stale))
    if args.json:
        _print_json({"result": result, "status": registry.status()})
    else:
        change = result.change
        _echo(f"refresh: {result.outcome}" + (f" ({result.error})" if result.error else ""))
        if result.changed:
            _echo(f"added {len(change.added)}, removed {len(change.removed)}, repriced {len(change.price_changes)}")
    if result.outcome in ("failed", "rejected"):
        raise CliError(f"refresh {result.outcome}: {result.error}; the last good catalog is kept")
    if not result.saved:  # this process is about to exit, taking the new catalog with it
        raise CliError(f"refresh: {result.error}; the next start will not see it")


def cmd_serve(args: argparse.Namespace) -> None:
    """Run the MCP server: stdio for desktop hosts and IDE agents, HTTP for agent frameworks.

    Example: models-registry serve --transport streamable-http --port 8765
    """
    # A start allocates ~1M long-lived objects (the MCP SDK, pydantic schemas, the catalog) and
    # frees almost none, so collecting during it only rescans them: ~30 ms of a ~450 ms start.
    # Collect nothing until the server is built, then freeze what was built so later
    # collections skip it.
    gc.disable()
    try:
        from .mcp_server import build_server  # the MCP SDK is imported only by the command that needs it

        server = build_server(Registry(Settings.from_env()))
    finally:
        gc.freeze()
        gc.enable()
    if args.transport == "stdio":
        from .stdio import serve_stdio

        anyio.run(serve_stdio, server)
        return
    import uvicorn

    from .http_app import build_http_app

    token = (args.auth_token or "").strip() or os.environ.get("MODELS_REGISTRY_AUTH_TOKEN", "").strip() or None
    try:
        app = build_http_app(
            server, args.transport, host=args.host, port=args.port, token=token, allowed_hosts=args.allowed_host
        )
    except ValueError as exc:
        raise CliError(str(exc)) from None
    path = "/sse" if args.transport == "sse" else "/mcp"
    print(f"models-registry: serving MCP ({args.transport}) at http://{args.host}:{args.port}{path}", file=sys.stderr)
    if args.transport == "streamable-http":
        # Logs outlive the session: name where the token goes (a URL fragment, read by the page), never the token.
        hint = " (add #token=<your token> to the URL)" if token else ""
        print(f"models-registry: model picker at http://{args.host}:{args.port}/{hint}", file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


def cmd_ui(args: argparse.Namespace) -> None:
    """Open the model picker in your browser: starts the HTTP server on loopback and prints its URL.

    The page shows providers and whether they are configured, models with capability
    badges and filters, a recommend form and the default model per role. Stop with Ctrl-C.

    Example: models-registry ui --port 8765
    """
    args.transport, args.host, args.auth_token, args.allowed_host = "streamable-http", "127.0.0.1", None, []
    cmd_serve(args)


def _read_source(source: str) -> bytes:
    """A file's bytes, or a URL's body fetched with the catalog fetch's limits."""
    if Path(source).exists():
        return Path(source).read_bytes()
    try:
        return anyio.run(lambda: fetch_catalog(source, limits=FetchLimits(total_timeout=120))).body
    except FetchError as exc:
        raise CliError(f"could not fetch {source}: {exc}") from None


def cmd_recommend(registry: Registry, args: argparse.Namespace) -> None:
    """Pick a model for a task: ranked, explained, only among models you can call.

    Words in TASK choose the kind of model ("embeddings", "transcribe", "generate
    images"), the category that ranks it ("coding", "summarise", "screenshots"), what
    it cannot do without ("500-page", "agent") and where to sit on price ("cheap",
    "best"); the options add explicit needs. See the README's ranking section.

    Example: models-registry recommend "summarise long PDFs cheaply" --json
    """
    request = RecommendRequest(
        task=args.task,
        kind=args.kind,
        capabilities=tuple(args.capability),
        input_modalities=tuple(args.input_modality),
        output_modalities=tuple(args.output_modality),
        min_context=args.min_context,
        min_output=args.min_output,
        max_input_cost=args.max_input_cost,
        max_output_cost=args.max_output_cost,
        expected_input_tokens=args.input_tokens,
        expected_output_tokens=args.output_tokens,
        optimize=args.optimize,
        providers=tuple(args.provider) if args.provider else None,
        available_only=not args.all,
        include_preview=args.include_preview,
        limit=args.limit,
    )
    try:
        result = registry.recommend(request)
    except (ValueError, LookupError) as exc:
        raise CliError(str(exc).strip("'\"")) from None
    if args.json:
        _print_json(result)
        return
    for hint in result.applied_hints:
        _echo(f"hint: {hint.hint!r} → {hint.effect}")
    if not result.recommendations:
        raise CliError(result.message or "nothing fits")
    rows = [
        [str(r.rank), r.model, f"{r.score:.0f} ±{r.score_uncertainty:.0f} {r.score_basis}", _price(r.input_cost),
         _price(r.output_cost), f"{r.context:,}", "" if r.available else "no key"]
        for r in result.recommendations
    ]
    _echo(f"{result.kind} models for {_a(result.category)} task:")
    _print_table(["#", "model", "score", "in $/1M", "out $/1M", "context", ""], {"": rows})
    for r in result.recommendations:
        _echo(f"{r.rank}. {r.model}: " + "; ".join(r.reasons))
        if r.also_available_via:
            _echo(f"   also via {', '.join(r.also_available_via[:5])}" + (" ..." if len(r.also_available_via) > 5 else ""))
    _echo(f"{result.considered} models considered ({result.catalog}). {result.quality_note}")


def cmd_snapshot_update(args: argparse.Namespace) -> None:
    """Maintainers: rebuild the bundled snapshot/ from a URL or a file, and its quality table.

    --quality-from rebuilds snapshot/quality.json from the public leaderboards: 'live' fetches
    them from their URLs, a directory reads copies named as the sources publish them
    (lmarena-leaderboard-text-*.json, -vision-*, -image-*, aider-polyglot-*.yml,
    models.dev-catalog-*.json), dated by the YYYY-MM-DD in their names.

    Example: models-registry snapshot update --from https://models.dev/api.json --quality-from live
    """
    data = _read_source(args.source)
    source_url = redact_url((args.source_url or DEFAULT_URL) if Path(args.source).exists() else args.source)
    on = args.date or datetime.now(UTC).date()
    quality = _quality_table(args.quality_from, args.benchmarks_from, on) if args.quality_from else None
    try:
        meta = write_snapshot(data, source_url=source_url, on=on, directory=args.dir, quality=quality)
    except CatalogError as exc:
        raise CliError(f"not a usable catalog: {exc}") from None
    if args.json:
        sources = [s.to_json() for s in quality.sources] if quality else []
        _print_json({**meta.model_dump(mode="json"), "quality_sources": sources})
        return
    _echo(f"snapshot of {meta.date}: {meta.providers} providers, {meta.models} models, sha256 {meta.sha256[:12]}…")
    if quality:
        _echo(f"quality table: {len(quality.models)} models from {quality.dates()}")


# Source id -> how its copy is named in a directory (the names the sources publish under, plus a date).
_QUALITY_FILES = {
    "lmarena-text": "lmarena-leaderboard-text",
    "lmarena-vision": "lmarena-leaderboard-vision",
    "lmarena-image": "lmarena-leaderboard-image",
    "aider-polyglot": "aider-polyglot",
    "models-dev": "models.dev-catalog",
}


def _quality_table(source: str, benchmarks_from: str | None, on: date) -> Any:
    """The quality table from the sources' live URLs ('live') or from copies in a directory."""
    from .recommend.quality_sources import DEFAULT_URLS, QualityInputs, build_quality_table

    inputs = QualityInputs(data={}, dates={}, urls=dict(DEFAULT_URLS))
    if source == "live":
        for source_id, url in DEFAULT_URLS.items():
            inputs.data[source_id], inputs.dates[source_id] = _read_source(url), on.isoformat()
    else:
        directory = Path(source)
        if not directory.is_dir():
            raise CliError(f"--quality-from: {source} is neither 'live' nor a directory")
        for source_id, prefix in _QUALITY_FILES.items():
            if found := sorted(directory.glob(f"{prefix}*")):
                inputs.data[source_id] = found[-1].read_bytes()
                dated = re.search(r"\d{4}-\d{2}-\d{2}", found[-1].name)
                inputs.dates[source_id] = dated.group(0) if dated else on.isoformat()
    if benchmarks_from:
        inputs.data["models-dev"] = _read_source(benchmarks_from)
        dated = re.search(r"\d{4}-\d{2}-\d{2}", Path(benchmarks_from).name)
        inputs.dates["models-dev"] = dated.group(0) if dated else on.isoformat()
    if "lmarena-text" not in inputs.data:
        raise CliError(f"--quality-from: no lmarena-leaderboard-text*.json in {source}; it is the scale")
    try:
        return build_quality_table(inputs, built=on.isoformat())
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CliError(f"could not build the quality table: {type(exc).__name__}: {exc}") from None


# --- parser ------------------------------------------------------------------------------------


def _doc(func: Any) -> dict[str, str]:
    text = func.__doc__ or ""
    return {"help": text.splitlines()[0], "description": text}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="models-registry",
        description="Which LLM providers and models can you call right now? Built on the models.dev catalog.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging on stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Any) -> argparse.ArgumentParser:
        p = sub.add_parser(name, formatter_class=argparse.RawDescriptionHelpFormatter, **_doc(func))
        p.add_argument("--json", action="store_true", help="output as JSON")
        p.set_defaults(func=func)
        return p

    add("status", cmd_status)
    add("providers", cmd_providers).add_argument(
        "--all", action="store_true", help="include providers without credentials"
    )

    models = add("models", cmd_models)
    models.add_argument("--provider", "-p", help="only this provider, e.g. openai")
    models.add_argument("--all", action="store_true", help="include providers without credentials")
    models.add_argument(
        "--capability", "-c", action="append", default=[], choices=CAPABILITIES, help="required; repeatable"
    )
    models.add_argument("--input-modality", "-m", action="append", default=[], help="e.g. image, pdf; repeatable")
    models.add_argument("--min-context", type=int, default=0, help="minimum context window in tokens")
    models.add_argument("--max-input-cost", type=float, help="maximum input price, USD per 1M tokens")
    models.add_argument("--query", "-q", help="words that must appear in the id, name or family")
    models.add_argument("--include-deprecated", action="store_true", help="include deprecated models")
    models.add_argument("--kind", "-k", choices=KINDS, help="only this kind, e.g. embedding")
    models.add_argument("--limit", type=int, default=50, help="rows to show (0 for all; default 50)")

    add("show", cmd_show).add_argument("model", help="provider/model, e.g. openai/gpt-5")

    rec = add("recommend", cmd_recommend)
    rec.add_argument("task", nargs="?", help="what the model is for, in words, e.g. 'summarise long PDFs cheaply'")
    rec.add_argument("--kind", "-k", choices=KINDS, help="the kind of model (default: from the task, else chat)")
    rec.add_argument("--capability", "-c", action="append", default=[], choices=CAPABILITIES, help="required; repeatable")
    rec.add_argument("--input-modality", "-m", action="append", default=[], choices=MODALITIES, help="required; repeatable")
    rec.add_argument("--output-modality", action="append", default=[], choices=MODALITIES, help="required; repeatable")
    rec.add_argument("--min-context", type=int, default=0, help="minimum context window in tokens")
    rec.add_argument("--min-output", type=int, default=0, help="minimum output limit in tokens")
    rec.add_argument("--max-input-cost", type=float, help="maximum input price, USD per 1M tokens")
    rec.add_argument("--max-output-cost", type=float, help="maximum output price, USD per 1M tokens")
    rec.add_argument("--input-tokens", type=int, help="expected input tokens per call, for the cost estimate")
    rec.add_argument("--output-tokens", type=int, help="expected output tokens per call, for the cost estimate")
    rec.add_argument("--optimize", "-o", choices=OPTIMIZE_MODES, default="balanced", help="what matters most")
    rec.add_argument("--provider", "-p", action="append", help="only this provider; repeatable")
    rec.add_argument("--all", action="store_true", help="include providers without credentials")
    rec.add_argument("--include-preview", action="store_true", help="allow alpha/beta models")
    rec.add_argument("--limit", "-n", type=int, default=5, help="how many picks (1-50, default 5)")
    add("refresh", cmd_refresh).add_argument(
        "--if-stale", action="store_true", help="only fetch when the catalog is older than the TTL"
    )

    default = sub.add_parser("default", help="Get or set the model for a role (default, small, ...).")
    default_sub = default.add_subparsers(dest="default_command", required=True, metavar="COMMAND")
    get = default_sub.add_parser("get", formatter_class=argparse.RawDescriptionHelpFormatter, **_doc(cmd_default_get))
    put = default_sub.add_parser("set", formatter_class=argparse.RawDescriptionHelpFormatter, **_doc(cmd_default_set))
    put.add_argument("model", help="provider/model, e.g. anthropic/claude-haiku-4-5")
    for p, func in ((get, cmd_default_get), (put, cmd_default_set)):
        p.add_argument("--role", "-r", default="default", help="default, small, or any name (default: default)")
        p.add_argument("--json", action="store_true", help="output as JSON")
        p.set_defaults(func=func)

    config = sub.add_parser("config", help="Show where the config file is, and check it.")
    config_sub = config.add_subparsers(dest="config_command", required=True, metavar="COMMAND")
    for name, func in (("path", cmd_config_path), ("check", cmd_config_check)):
        p = config_sub.add_parser(name, formatter_class=argparse.RawDescriptionHelpFormatter, **_doc(func))
        p.add_argument("--json", action="store_true", help="output as JSON")
        p.set_defaults(func=func)

    serve = sub.add_parser("serve", formatter_class=argparse.RawDescriptionHelpFormatter, **_doc(cmd_serve))
    serve.add_argument("--transport", "-t", choices=["stdio", "sse", "streamable-http"], default="stdio")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind for HTTP (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8765, help="port for HTTP (default 8765)")
    serve.add_argument("--auth-token", help="bearer token HTTP clients must send (or MODELS_REGISTRY_AUTH_TOKEN)")
    serve.add_argument(
        "--allowed-host", action="append", default=[], help="extra Host header to accept, e.g. a proxy's name"
    )
    serve.set_defaults(func=cmd_serve)

    ui = sub.add_parser("ui", formatter_class=argparse.RawDescriptionHelpFormatter, **_doc(cmd_ui))
    ui.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default 8765)")
    ui.set_defaults(func=cmd_ui)

    snapshot = sub.add_parser("snapshot", help="Maintainers: rebuild the bundled snapshot.")
    snapshot_sub = snapshot.add_subparsers(dest="snapshot_command", required=True, metavar="COMMAND")
    update = snapshot_sub.add_parser(
        "update", formatter_class=argparse.RawDescriptionHelpFormatter, **_doc(cmd_snapshot_update)
    )
    update.add_argument("--from", dest="source", default=DEFAULT_URL, help="URL or file of an api.json")
    update.add_argument("--date", type=date.fromisoformat, help="the catalog's date (default: today)")
    update.add_argument("--source-url", help="with a file: the URL it was taken from")
    update.add_argument(
        "--quality-from", help="'live' or a directory of leaderboard copies: rebuild quality.json (default: keep it)"
    )
    update.add_argument(
        "--benchmarks-from", help="with --quality-from: URL or file of models.dev's catalog.json (labs, benchmarks)"
    )
    update.add_argument("--dir", type=Path, help="where to write (default: the source tree's snapshot/)")
    update.add_argument("--json", action="store_true", help="output as JSON")
    update.set_defaults(func=cmd_snapshot_update)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    args = build_parser().parse_args(argv)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_PrintableFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, handlers=[handler])
    # The HTTP stack logs every request URL at DEBUG, user:password included: keep it quiet.
    for name in ("httpx2", "httpcore2", "httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        if args.command in ("snapshot", "serve", "ui"):
            args.func(args)
            return 0
        if args.func is cmd_config_path:
            args.func(Settings.from_env(), args)
            return 0
        registry = Registry(Settings.from_env())
        if args.command not in ("status", "config") and not args.json:
            _stale_note(registry)
        args.func(registry, args)
    except CliError as exc:
        _echo(f"Error: {exc}", err=True)
        return 1
    return 0
