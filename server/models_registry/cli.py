"""The `models-registry` command: a terminal surface over the `Registry`.

One-shot commands (status, providers, models, show) read the catalog in hand
and never wait on the network; they say on stderr when it is stale and how to
refresh. `refresh` is the one command that fetches. Every command takes
`--json`; for the commands a tool matches it prints that tool's structured content,
built and dumped by `views` as the tool does. Tables fit the terminal (`_layout`).
Errors are one line on stderr naming the fix. Exit code 2: an option value the matching
MCP tool would reject too, checked against the same types and bounds (`arguments`) and
worded the same, before the catalog is read. Exit code 1: anything found after that (a
model or provider the catalog lacks, a failed refresh, a problem in the config).

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
from typing import Annotated, Any, NamedTuple

import anyio
import orjson
from pydantic import BaseModel, Field

from . import __version__, arguments
from .catalog import CatalogError
from .recommend import KINDS, MODALITIES, OPTIMIZE_MODES, RecommendRequest
from .registry import (
    CAPABILITIES,
    DefaultInfo,
    ModelEntry,
    ProviderInfo,
    Registry,
    UnknownModelError,
    check_role,
)
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
from .views import model_detail, models_result, providers_result, structured, verify_result

log = logging.getLogger("models_registry")

# Commands that list or pick models ask the local runtimes first (off: MODELS_REGISTRY_LOCAL=off).
LOOKS_FOR_LOCAL = ("providers", "models", "show", "recommend")  # not verify: a local runtime has no key
LOG_FORMATS = ("text", "json")

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


class Column(NamedTuple):
    """A table column and what may happen to it on a narrow terminal.

    fit: "id" is kept whole on one line (ids, never cut; folded only if longer than the terminal),
    "wrap" breaks between words (so a variable name stays whole), "fixed" stays on one line.
    drop: 0 keeps the column always; otherwise columns are dropped 1 first, then 2, ... until
    the rest fit.
    """

    header: str
    fit: str = "fixed"
    drop: int = 0


VERIFY_COLUMNS = [
    Column("provider", "id"),
    Column("state"),
    Column("what the provider said", "wrap"),
]
PROVIDER_COLUMNS = [
    Column("provider", "id"),
    Column("configured"),
    Column("models", drop=3),
    Column("tools", drop=2),
    Column("reasoning", drop=1),
    Column("credentials (names only)", "wrap"),
]
# Prices and context go before the badges, which wrap instead: they say what a model can do.
MODEL_COLUMNS = [
    Column("model", "id"),
    Column("context", drop=2),
    Column("in $/1M", drop=3),
    Column("out $/1M", drop=1),
    Column("capabilities", "wrap", drop=4),
]
RECOMMEND_COLUMNS = [
    Column("#"),
    Column("model", "id"),
    Column("score", drop=4),
    Column("in $/1M", drop=3),
    Column("out $/1M", drop=1),
    Column("context", drop=2),
    Column(""),
]


def _print_table(columns: list[Column], groups: dict[str, list[list[Any]]]) -> None:
    """A table on stdout fitted to the terminal, one section per group (a provider) when there are several.

    Cells are strings or `_styled` Text; strings become Text here, so rich never reads catalog
    text as markup. In a terminal: rich's width (COLUMNS overrides it), a rule under the header,
    colours unless NO_COLOR. Piped: no colour and no rules, plain columns sized to their content,
    and wrapped only when COLUMNS asks for a width.
    """
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    rows = [[cell if isinstance(cell, Text) else _styled(cell, "") for cell in row] for row in _grouped(groups)]
    terminal = sys.stdout.isatty()
    # markup and emoji off too: the headers are ours, but nothing here should be parsed.
    console = Console(highlight=False, markup=False, emoji=False, file=None if terminal else io.StringIO())
    width = console.width if terminal else _piped_width()
    gap = 3 if terminal else 2  # padding either side, plus the box's blank separator in a terminal
    widths = _layout(columns, rows, width, gap)
    kept = [i for i, w in enumerate(widths) if w is not None]
    table = Table(
        box=box.SIMPLE_HEAD if terminal else None, show_edge=False, pad_edge=False, header_style="bold"
    )
    for i in kept:
        column = columns[i]
        table.add_column(column.header, width=widths[i], no_wrap=column.fit != "wrap", overflow="fold")
    for row in rows:
        table.add_row(*(row[i] for i in kept if i < len(row)))
    if terminal:
        console.print(table)
        return
    console.width = sum(widths[i] for i in kept) + gap * (len(kept) - 1)  # exactly the table: nothing wraps
    console.print(table)
    sys.stdout.write("".join(line.rstrip() + "\n" for line in console.file.getvalue().splitlines()))


def _grouped(groups: dict[str, list[list[Any]]]) -> list[list[Any]]:
    """Rows with each group's title (if any) on a row of its own, and a blank row between groups."""
    rows: list[list[Any]] = []
    for title, group in groups.items():
        if rows:
            rows.append([])
        if title:
            rows.append([_styled(title, "bold")])
        rows.extend(group)
    return rows


def _piped_width() -> int | None:
    """The width COLUMNS asks for (`COLUMNS=80 models-registry models | less`); else none: rows never wrap."""
    value = os.environ.get("COLUMNS", "")
    return int(value) if value.isdigit() and int(value) > 0 else None


def _layout(columns: list[Column], rows: list[list[Any]], width: int | None, gap: int) -> list[int | None]:
    """Each column's width, or None where it is dropped, so the table fits `width` with ids whole.

    Droppable columns go in their order until what must stay whole fits (ids and one-line
    columns at full width, wrapping columns at their longest word); then wrapping columns give
    up width. Only an id longer than the terminal itself is folded, never cut.
    """
    from rich.cells import cell_len

    def texts(i: int) -> list[str]:
        return [columns[i].header] + [row[i].plain for row in rows if i < len(row)]

    natural = [max(map(cell_len, texts(i))) for i in range(len(columns))]
    least = [
        max((cell_len(word) for text in texts(i) for word in text.split()), default=0) if c.fit == "wrap" else natural[i]
        for i, c in enumerate(columns)
    ]
    kept = list(range(len(columns)))

    def total(widths: list[int]) -> int:
        return sum(widths[i] for i in kept) + gap * (len(kept) - 1)

    for _, i in sorted((c.drop, i) for i, c in enumerate(columns) if c.drop):
        if width is None or total(least) <= width:
            break
        kept.remove(i)
    widths = list(natural)
    excess = 0 if width is None else total(widths) - width
    for i in sorted((i for i in kept if columns[i].fit == "wrap"), key=lambda i: least[i] - natural[i]):
        give = max(0, min(excess, widths[i] - least[i]))
        widths[i] -= give
        excess -= give
    if excess > 0:  # an id longer than the terminal: fold the widest column rather than overflow
        widest = max(kept, key=widths.__getitem__)
        widths[widest] = max(1, widths[widest] - excess)
    return [widths[i] if i in kept else None for i in range(len(columns))]


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
    _echo(f"defaults: {status.defaults_store}")
    if status.skipped_models:
        _echo(f"skipped: {status.skipped_models} malformed models")
    if last := status.last_refresh:  # this process's, else the one recorded in the cache directory
        when = last.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        _echo(f"last refresh: {last.outcome} at {when}" + (f" ({last.error})" if last.error else ""))
    for problem in status.problems:
        _echo(f"problem: {problem}")


def cmd_providers(registry: Registry, args: argparse.Namespace) -> None:
    """List providers and whether their credentials are set (variable names only, never values).

    Shows providers you can call; --all adds the rest with the variables they need.
    Example: models-registry providers --all --json
    """
    if args.verify:
        _verify_with_progress(registry, [])
    result = providers_result(registry, available_only=not args.all)
    if args.json:
        _print_json(structured(result))  # list_providers' structured content
        return
    _echo(result.summary)
    if not result.providers:
        _echo("No provider has credentials set. Set one, e.g. OPENAI_API_KEY, or see them all with --all.")
        return
    _print_table(PROVIDER_COLUMNS, {"": [_provider_row(p) for p in result.providers]})


def _provider_row(info: ProviderInfo) -> list[Any]:
    creds = info.credentials
    if not creds.needs_credential:
        detail = "local runtime" if info.local else "no credential needed"
    elif creds.configured:
        detail = "set: " + ", ".join(creds.satisfied_by)
    else:
        detail = "needs: " + " or ".join(" + ".join(group) for group in creds.alternatives)
    if info.key_check is not None:
        detail += f"; {info.key_check.state.replace('_', ' ')}: {info.key_check.message}"
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
    if args.json:  # list_models' structured content; --limit 0 (every row) has no tool equivalent
        _print_json(structured(models_result(entries, offset=args.offset, limit=args.limit or None)))
        return
    total = len(entries)
    entries = entries[args.offset : args.offset + args.limit if args.limit else None]
    _echo(registry.summary().text)
    if not entries:
        _echo("No models match." + ("" if args.all else " Add --all to include providers without credentials."))
        return
    groups: dict[str, list[list[Any]]] = {}
    for entry in entries:
        title = f"{entry.provider_id} ({'configured' if entry.available else 'not configured'})"
        groups.setdefault(title, []).append(_model_row(entry))
    _print_table(MODEL_COLUMNS, groups)
    if (rest := total - args.offset - len(entries)) > 0:
        _echo(f"… {rest} more; raise --limit, page with --offset or narrow the filters")


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
        _print_json(structured(model_detail(registry, entry)))  # get_model's structured content
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
    _report_default(lambda: anyio.run(registry.set_default, args.model, args.role), args)


def _report_default(action: Callable[[], DefaultInfo], args: argparse.Namespace) -> None:
    try:
        info = action()
    except (UnknownModelError, ValueError) as exc:  # an unknown model (with close matches), a bad role
        raise CliError(str(exc).strip("'\"")) from None
    except OSError as exc:  # filelock.Timeout is an OSError too
        raise CliError(f"could not save the default ({os_error_text(exc)}); nothing was changed") from None
    if args.json:
        _print_json(structured(info))  # get_default's / set_default's structured content
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

    Problems include a default (in [defaults]) naming a provider or model the catalog
    lacks, with the closest matches. The server never refuses to start over its config:
    what is wrong is left out and reported in status, list_providers and here.

    Example: models-registry config check
    """
    config = registry.config
    problems = list(dict.fromkeys(registry.config_problems()))  # each once, however many checks found it
    applies = config is None or config.applies
    custom = [p for p in registry.catalog.provider_ids if registry.catalog.head(p).get("source") == "config"]
    report = {
        "path": str(registry.settings.config_file),
        "exists": config is not None and config.exists,
        "applies": applies,
        "problems": problems,
        "providers_from_config": custom,
        "defaults": config.file.defaults if config else {},
    }
    if args.json:
        _print_json(report)
    elif not report["exists"] and not problems:
        _echo(f"no config file at {report['path']}: nothing to check")
    else:
        if applies:  # counts of a file that is not used would read as if it were
            _echo(f"{report['path']}: {len(custom)} providers set or changed, defaults for {len(report['defaults'])} roles")
        for problem in problems:
            _echo(f"problem: {problem}")
    if not applies:
        raise CliError("the config cannot be used; none of it applies")
    if problems:
        count = "1 problem" if len(problems) == 1 else f"{len(problems)} problems"
        raise CliError(f"{count} in the config; the rest of it applies")


class _OwnReport(logging.Filter):
    """Drops the registry's warning about a failed refresh: `refresh` reports its result itself, once."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("catalog refresh ")


def cmd_verify(registry: Registry, args: argparse.Namespace) -> None:
    """Check the keys set against the providers: each provider's model listing, asked with its key.

    Each provider is verified (the key works; how many models it sees), rejected (the provider's
    own words, without the key), rate limited, unreachable, or not checkable (and why). Keys go
    only to the host the bundled catalog or your config gives. Exits 1 when a key was rejected or
    a provider could not be reached.
    Example: models-registry verify openai anthropic --json
    """
    results = _verify_with_progress(registry, args.provider)
    result = verify_result(results)
    if args.json:
        _print_json(structured(result))  # verify_credentials' structured content
    else:
        _echo(f"{len(results)} providers checked: {result.summary}")
        rows = [[r.provider_id, _styled(r.state.replace("_", " "), STATE_STYLES.get(r.state, "")), r.message] for r in results]
        if rows:
            _print_table(VERIFY_COLUMNS, {"": rows})
    failed = [r.provider_id for r in results if r.state in ("rejected", "unreachable")]
    if failed:
        raise CliError(f"{', '.join(failed)}: the key could not be confirmed")


STATE_STYLES = {"verified": "green", "rejected": "red", "unreachable": "yellow", "rate_limited": "yellow"}


def _verify_with_progress(registry: Registry, providers: Sequence[str]) -> list[Any]:
    """registry.verify, with a progress bar on stderr when it is a terminal."""
    if not sys.stderr.isatty():
        return _run_verify(registry, providers, None)
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("checking keys", total=None)
        return _run_verify(registry, providers, lambda result: progress.advance(task))


def _run_verify(registry: Registry, providers: Sequence[str], on_done: Callable[[Any], None] | None) -> list[Any]:
    try:
        return anyio.run(lambda: registry.verify(providers, on_done=on_done))
    except LookupError as exc:
        raise CliError(str(exc).strip("\"'")) from None


def cmd_refresh(registry: Registry, args: argparse.Namespace) -> None:
    """Fetch the catalog now (a conditional GET) and say what changed.

    Example: models-registry refresh --json
    """
    log_filter = _OwnReport()
    registry_log = logging.getLogger("models_registry.registry")
    registry_log.addFilter(log_filter)
    try:
        result = anyio.run(lambda: registry.refresh(force=not args.if_stale))
    finally:
        registry_log.removeFilter(log_filter)
    if args.json:
        _print_json({"result": result, "status": registry.status()})
    elif result.outcome not in ("failed", "rejected"):  # a failure is said once, by the error below
        change = result.change
        said_below = result.error if result.saved else None  # not saved: the error below says why
        _echo(f"refresh: {result.outcome}" + (f" ({said_below})" if said_below else ""))
        if result.changed:
            _echo(f"added {len(change.added)}, removed {len(change.removed)}, repriced {len(change.price_changes)}")
    if result.outcome in ("failed", "rejected"):
        raise CliError(f"refresh {result.outcome}: {result.error}; the last good catalog is kept")
    if not result.saved:  # this process is about to exit, taking the new catalog with it
        raise CliError(f"refresh: {result.error}; the next start will not see it")


def cmd_serve(args: argparse.Namespace) -> None:
    """Run the MCP server: stdio for desktop hosts and IDE agents, HTTP for agent frameworks.

    --host, --port, --auth-token and --allowed-host apply to the HTTP transports only.
    Ctrl-C (SIGINT) or SIGTERM stops the server at once in every transport, with exit
    code 0: a request still running is dropped; stored defaults and the cached catalog
    are never left half-written.

    Example: models-registry serve --transport streamable-http --port 8765
    """
    import signal

    # Until a transport takes the signals over, SIGTERM ends the start like Ctrl-C: cleanly, exit 0.
    signal.signal(signal.SIGTERM, _interrupt)
    _check_http_options(args)
    if args.transport != "stdio":  # refused before anything binds: the missing token is the first thing to fix
        from .http_app import check_exposure

        try:
            check_exposure(args.host or "127.0.0.1", _token(args))
        except ValueError as exc:
            raise CliError(str(exc)) from None
    # Bind before the ~450 ms build, so a busy port fails at once and nothing announces a URL it cannot serve.
    sock = None if args.transport == "stdio" else _listen(args.host or "127.0.0.1", args.port)
    # A start allocates ~1M long-lived objects (the MCP SDK, pydantic schemas, the catalog) and
    # frees almost none, so collecting during it only rescans them: ~30 ms of a ~450 ms start.
    # Collect nothing until the server is built, then freeze what was built so later
    # collections skip it.
    gc.disable()
    try:
        from .mcp_server import build_server  # the MCP SDK is imported only by the command that needs it

        registry = Registry(Settings.from_env())
        # The variable applies where it can (streamable HTTP); the flag elsewhere is refused above.
        args.stateless = args.stateless or (registry.settings.stateless and args.transport == "streamable-http")
        server = build_server(registry, stateless=args.stateless)
    finally:
        gc.freeze()
        gc.enable()
    if sock is None:
        from .stdio import serve_stdio

        anyio.run(serve_stdio, server)
        return
    _serve_http(server, sock, args, registry)


def _token(args: argparse.Namespace) -> str | None:
    """--auth-token, else MODELS_REGISTRY_AUTH_TOKEN; blank counts as unset."""
    return (args.auth_token or "").strip() or os.environ.get("MODELS_REGISTRY_AUTH_TOKEN", "").strip() or None


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _check_http_options(args: argparse.Namespace) -> None:
    """HTTP-only options with stdio would be silently ignored: refuse them, naming --transport."""
    if args.stateless and args.transport == "sse":
        raise CliError("--stateless needs --transport streamable-http: an SSE stream is a session of its own")
    if args.transport != "stdio":
        return
    given = [flag for flag, value in (("--host", args.host), ("--port", args.port), ("--auth-token", args.auth_token),
                                      ("--allowed-host", args.allowed_host), ("--stateless", args.stateless))
             if value]  # fmt: skip
    if given:
        one = len(given) == 1
        raise CliError(
            f"{' and '.join(given)} {'applies' if one else 'apply'} only to HTTP: add --transport streamable-http"
            f" (or sse), or drop {'it' if one else 'them'} for stdio"
        )


def _listen(host: str, port: int | None) -> Any:
    """A socket listening on host:port; a port in use is a one-line error that suggests a free one."""
    import errno
    import socket

    port = 8765 if port is None else port
    # IPPROTO_TCP spelled out: asyncio turns Nagle off (TCP_NODELAY) only on sockets that say they are
    # TCP, and with proto 0 every small response waited ~40 ms for a delayed ACK (list_providers: 49 ms vs 2).
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    if os.name != "nt":  # as uvicorn does: a restart need not wait out TIME_WAIT (on Windows it would share the port)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno != errno.EADDRINUSE:
            raise CliError(f"cannot listen on {host}:{port}: {os_error_text(exc)}") from None
        other = _free_port_near(host, port)
        raise CliError(f"port {port} on {host} is in use; pick another with --port {other or '<other>'}") from None
    return sock


def _free_port_near(host: str, port: int) -> int | None:
    import socket

    for candidate in range(port + 1, min(port + 20, 65536)):
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((host, candidate))
            except OSError:
                continue
            return candidate
    return None


def _port(text: str) -> int:
    """argparse type for --port: 0 to 65535, so a typo is a usage error rather than a bind traceback."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: use 1 to 65535, or 0 for any free one")
    return port


def _serve_http(server: Any, sock: Any, args: argparse.Namespace, registry: Registry) -> None:
    """Announce the URLs (the socket is already listening), open the browser for `ui`, and serve until a signal."""
    import uvicorn

    from .http_app import build_http_app

    host, port = args.host or "127.0.0.1", sock.getsockname()[1]  # the real port, should --port be 0
    token = _token(args)
    try:
        app = build_http_app(
            server, args.transport, host=host, port=port, token=token, allowed_hosts=args.allowed_host,
            stateless=args.stateless, registry=registry,
        )
    except ValueError as exc:
        sock.close()
        raise CliError(str(exc)) from None
    base = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    path = "/sse" if args.transport == "sse" else "/mcp"
    _announce(args, f"serving MCP ({args.transport}) at {base}{path}")
    if args.browser:
        _open_browser_soon(f"{base}/", args)
    elif args.command == "ui":
        _announce(args, f"open {base}/ in your browser")
    elif args.transport == "streamable-http":
        # Logs outlive the session: name where the token goes (a URL fragment, read by the page), never the token.
        hint = " (add #token=<your token> to the URL)" if token else ""
        _announce(args, f"model picker at {base}/{hint}")

    class Server(uvicorn.Server):
        """uvicorn's server, minus its re-raise of the stopping signal, which made SIGTERM a kill, not exit 0."""

        def capture_signals(self) -> Any:
            return _stop_on_signals(self.handle_exit)

    # SSE streams close themselves on stop (sse-starlette watches the flag); anything slower is cut after 2 s.
    # log_config=None: uvicorn's records reach the handler main() set up (text or JSON), not its own.
    config = uvicorn.Config(app, log_level="warning", log_config=None, timeout_graceful_shutdown=2)
    Server(config).run(sockets=[sock])


def _stop_on_signals(handle_exit: Callable[..., None]) -> Any:
    """A context in which SIGINT and SIGTERM call uvicorn's handle_exit (a second Ctrl-C forces the stop)."""
    import contextlib
    import signal

    @contextlib.contextmanager
    def captured() -> Any:
        before = {sig: signal.signal(sig, handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in before.items():
                signal.signal(sig, handler)

    return captured()


def _announce(args: argparse.Namespace, text: str) -> None:
    """A line for whoever started the server, on stderr; with --log-format json, a log record as well."""
    if getattr(args, "log_format", "text") == "json":
        announcements = logging.getLogger("models_registry.serve")
        announcements.setLevel(logging.INFO)  # where the server listens is shown whatever the log level
        announcements.info("%s", text)
    else:
        print(f"models-registry: {text}", file=sys.stderr)


def _open_browser_soon(url: str, args: argparse.Namespace) -> None:
    """Open url in a thread: the server starts meanwhile, and a browser that takes its time cannot hold it up."""
    import threading
    import webbrowser

    def run() -> None:
        try:
            opened = webbrowser.open(url)
        except webbrowser.Error:
            opened = False
        verb = "opened" if opened else "open"
        _announce(args, f"{verb} {url} in your browser")

    threading.Thread(target=run, name="open-browser", daemon=True).start()


def cmd_ui(args: argparse.Namespace) -> None:
    """Open the model picker in your browser: starts the HTTP server on loopback and prints its URL.

    The page shows providers and whether they are configured, models with capability
    badges and filters, a recommend form and the default model per role. With
    --no-browser, or when no browser can be found, it prints the URL to open instead.
    A busy port is an error that suggests a free one. Ctrl-C or SIGTERM stops it, exit 0.

    Example: models-registry ui --port 8765
    """
    args.transport, args.host, args.auth_token, args.allowed_host = "streamable-http", "127.0.0.1", None, []
    args.stateless = False  # the page's own calls keep a session
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
        _print_json(structured(result))  # recommend_model's structured content: no nulls
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
    _echo(_recommend_header(result, callable_only=not args.all))
    _print_table(RECOMMEND_COLUMNS, {"": rows})
    for r in result.recommendations:
        _echo(f"{r.rank}. {r.model}: " + "; ".join(r.reasons))
        if r.also_available_via:
            _echo(f"   also via {', '.join(r.also_available_via[:5])}" + (" ..." if len(r.also_available_via) > 5 else ""))
    _echo(result.quality_note)  # the catalog's age is the stale note's to say, once


def _recommend_header(result: Any, *, callable_only: bool) -> str:
    """'Top 5 of 75 callable chat models for a coding task (5,276 in the catalog):'.

    The pool is what the first filters leave: the providers asked for, the kind, credentials
    (their labels in `excluded`, see recommend.filters); the later ones are the task's needs.
    """
    pool_steps = ("not in providers", f"not {_a(result.kind)} model", "no credentials set")
    pool = result.considered - sum(result.excluded.get(label, 0) for label in pool_steps)
    which = "callable " if callable_only else ""
    return (
        f"Top {len(result.recommendations)} of {pool:,} {which}{result.kind} models for {_a(result.category)} task "
        f"({result.considered:,} in the catalog):"
    )


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


# models --limit: a page as list_models allows, or 0 for every row (a pipe into grep wants them all).
_ROWS = Annotated[int, Field(ge=0, le=arguments.MAX_PAGE)]


class _Parser(argparse.ArgumentParser):
    """argparse with usage errors on one line, like every other error (subcommands inherit it)."""

    def error(self, message: str) -> Any:
        self.exit(2, _printable(f"Error: {message} (see `{self.prog} --help`)") + "\n")


def _value(kind: Any) -> Callable[[str], Any]:
    """An argparse `type` checking an option as the matching tool argument is checked, with its message."""

    def convert(text: str) -> Any:
        try:
            return arguments.check(kind, text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


def _role(text: str) -> str:
    """--role: the tool's length bound, then the registry's rule for a role name."""
    role = _value(arguments.Role)(text)
    try:
        check_role(role)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return role


LOG_FORMAT_HELP = "logs on stderr: text (default) or one JSON object per line (or MODELS_REGISTRY_LOG_FORMAT)"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="models-registry",
        description="Which LLM providers and models can you call right now? Built on the models.dev catalog.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging on stderr")
    parser.add_argument("--log-format", choices=LOG_FORMATS, help=LOG_FORMAT_HELP)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Any) -> argparse.ArgumentParser:
        p = sub.add_parser(name, formatter_class=argparse.RawDescriptionHelpFormatter, **_doc(func))
        p.add_argument("--json", action="store_true", help="output as JSON")
        p.set_defaults(func=func)
        return p

    add("status", cmd_status)
    providers = add("providers", cmd_providers)
    providers.add_argument("--all", action="store_true", help="include providers without credentials")
    providers.add_argument("--verify", action="store_true", help="check the keys set against the providers first")

    models = add("models", cmd_models)
    models.add_argument("--provider", "-p", help="only this provider, e.g. openai")
    models.add_argument("--all", action="store_true", help="include providers without credentials")
    # Each option that maps to a list_models argument takes its type: the same values pass.
    models.add_argument(
        "--capability", "-c", action="append", default=[], choices=CAPABILITIES,
        type=_value(arguments.Capability), help="required; repeatable",
    )
    models.add_argument(
        "--input-modality", "-m", action="append", default=[], choices=MODALITIES,
        type=_value(arguments.Modality), help="required, e.g. image; repeatable",
    )
    models.add_argument("--min-context", type=_value(arguments.Tokens), default=0, help="minimum context window in tokens")
    models.add_argument("--max-input-cost", type=_value(arguments.Price), help="maximum input price, USD per 1M tokens")
    models.add_argument("--query", "-q", type=_value(arguments.Query), help="words that must appear in the id, name or family")
    models.add_argument("--include-deprecated", action="store_true", help="include deprecated models")
    models.add_argument("--kind", "-k", choices=KINDS, type=_value(arguments.Kind), help="only this kind, e.g. embedding")
    models.add_argument(
        "--limit", type=_value(_ROWS), default=50, help=f"rows to show (0 for all; at most {arguments.MAX_PAGE}; default 50)"
    )
    models.add_argument(
        "--offset", type=_value(arguments.Offset), default=0, help="rows to skip first, e.g. the JSON's next_offset"
    )

    add("show", cmd_show).add_argument("model", type=_value(arguments.ModelRef), help="provider/model, e.g. openai/gpt-5")

    # As for models: each option takes the type of the recommend_model argument it maps to.
    rec = add("recommend", cmd_recommend)
    rec.add_argument(
        "task", nargs="?", type=_value(arguments.Task),
        help="what the model is for, in words, e.g. 'summarise long PDFs cheaply'",
    )
    rec.add_argument(
        "--kind", "-k", choices=KINDS, type=_value(arguments.Kind),
        help="the kind of model (default: from the task, else chat)",
    )
    for flags, kind, choices in (
        (("--capability", "-c"), arguments.Capability, CAPABILITIES),
        (("--input-modality", "-m"), arguments.Modality, MODALITIES),
        (("--output-modality",), arguments.Modality, MODALITIES),
    ):
        rec.add_argument(*flags, action="append", default=[], choices=choices, type=_value(kind), help="required; repeatable")
    tokens, price = _value(arguments.Tokens), _value(arguments.Price)
    rec.add_argument("--min-context", type=tokens, default=0, help="minimum context window in tokens")
    rec.add_argument("--min-output", type=tokens, default=0, help="minimum output limit in tokens")
    rec.add_argument("--max-input-cost", type=price, help="maximum input price, USD per 1M tokens")
    rec.add_argument("--max-output-cost", type=price, help="maximum output price, USD per 1M tokens")
    rec.add_argument("--input-tokens", type=tokens, help="expected input tokens per call, for the cost estimate")
    rec.add_argument("--output-tokens", type=tokens, help="expected output tokens per call, for the cost estimate")
    rec.add_argument(
        "--optimize", "-o", choices=OPTIMIZE_MODES, type=_value(arguments.Optimize), default="balanced",
        help="what matters most",
    )
    rec.add_argument("--provider", "-p", action="append", help="only this provider; repeatable")
    rec.add_argument("--all", action="store_true", help="include providers without credentials")
    rec.add_argument("--include-preview", action="store_true", help="allow alpha/beta models")
    rec.add_argument(
        "--limit", "-n", type=_value(arguments.Picks), default=5,
        help=f"how many picks (1-{arguments.MAX_PICKS}, default 5)",
    )
    verify = add("verify", cmd_verify)
    verify.add_argument("provider", nargs="*", help="provider ids (default: every provider whose key is set)")
    add("refresh", cmd_refresh).add_argument(
        "--if-stale", action="store_true", help="only fetch when the catalog is older than the TTL"
    )

    default = sub.add_parser("default", help="Get or set the model for a role (default, small, ...).")
    default_sub = default.add_subparsers(dest="default_command", required=True, metavar="COMMAND")
    get = default_sub.add_parser("get", formatter_class=argparse.RawDescriptionHelpFormatter, **_doc(cmd_default_get))
    put = default_sub.add_parser("set", formatter_class=argparse.RawDescriptionHelpFormatter, **_doc(cmd_default_set))
    put.add_argument("model", type=_value(arguments.ModelRef), help="provider/model, e.g. anthropic/claude-haiku-4-5")
    for p, func in ((get, cmd_default_get), (put, cmd_default_set)):
        p.add_argument(
            "--role", "-r", type=_role, default="default",
            help="default, small, or any lowercase name (default: default)",
        )
        p.add_argument("--json", action="store_true", help="output as JSON")
        p.set_defaults(func=func)

    config = sub.add_parser("config", help="Show where the config file is, and check it.")
    config_sub = config.add_subparsers(dest="config_command", required=True, metavar="COMMAND")
    for name, func in (("path", cmd_config_path), ("check", cmd_config_check)):
        p = config_sub.add_parser(name, formatter_class=argparse.RawDescriptionHelpFormatter, **_doc(func))
        p.add_argument("--json", action="store_true", help="output as JSON")
        p.set_defaults(func=func)

    serve = sub.add_parser("serve", formatter_class=argparse.RawDescriptionHelpFormatter, **_doc(cmd_serve))
    serve.add_argument(
        "--transport", "-t", choices=["stdio", "sse", "streamable-http"], default="stdio", help="(default stdio)"
    )
    # No defaults here: an HTTP option given with stdio is an error, so it must show whether it was given.
    serve.add_argument("--host", help="with an HTTP transport: address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, help="with an HTTP transport: port (default 8765; 0 picks a free one)")
    serve.add_argument("--auth-token", help="bearer token HTTP clients must send (or MODELS_REGISTRY_AUTH_TOKEN)")
    serve.add_argument(
        "--allowed-host", action="append", default=[], help="extra Host header to accept, e.g. a proxy's name"
    )
    serve.add_argument(
        "--stateless",
        action="store_true",
        help="with streamable-http: answer every request on its own, no sessions, so any replica behind a "
        "load balancer can answer any request (no subscriptions or server notifications; or MODELS_REGISTRY_STATELESS=1)",
    )
    # Also after the command, where a server's other options are; SUPPRESS leaves one given before it alone.
    serve.add_argument("--log-format", choices=LOG_FORMATS, default=argparse.SUPPRESS, help=LOG_FORMAT_HELP)
    serve.set_defaults(func=cmd_serve, browser=False)

    ui = sub.add_parser("ui", formatter_class=argparse.RawDescriptionHelpFormatter, **_doc(cmd_ui))
    ui.add_argument("--port", type=_port, default=8765, help="port on 127.0.0.1 (default 8765; 0 picks a free one)")
    ui.add_argument(
        "--no-browser", dest="browser", action="store_false", help="print the URL instead of opening a browser"
    )
    ui.add_argument("--log-format", choices=LOG_FORMATS, default=argparse.SUPPRESS, help=LOG_FORMAT_HELP)
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


def _choose_log_format(args: argparse.Namespace) -> str | None:
    """Settle args.log_format: the flag, else MODELS_REGISTRY_LOG_FORMAT, else text; what is wrong with the
    variable, if anything."""
    if args.log_format:
        return None
    wanted = os.environ.get("MODELS_REGISTRY_LOG_FORMAT", "").strip().lower()
    args.log_format = wanted if wanted in LOG_FORMATS else "text"
    if wanted and wanted not in LOG_FORMATS:
        return f"MODELS_REGISTRY_LOG_FORMAT={wanted!r} is not text or json; using text"
    return None


def _log_formatter(log_format: str) -> logging.Formatter:
    if log_format == "json":
        from .operations import JsonFormatter  # imported only then: a text start stays as quick as it was

        return JsonFormatter()
    return _PrintableFormatter("%(levelname)s %(name)s: %(message)s")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    args = build_parser().parse_args(argv)
    format_problem = _choose_log_format(args)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_log_formatter(args.log_format))
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, handlers=[handler])
    logging.captureWarnings(args.log_format == "json")  # a library's warning: one JSON line, not two raw ones
    if format_problem:
        log.warning("%s", format_problem)
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
        if registry.shares_defaults and args.command not in ("config", "refresh"):
            anyio.run(registry.load_shared_defaults)  # a database that is down: the problem says so, answers go on
        if args.command in LOOKS_FOR_LOCAL and registry.settings.local:
            anyio.run(registry.detect_local)  # a second at most, and instant when nothing listens
        # Once per command, here and nowhere else; status shows the age itself, and refresh is the cure.
        if args.command not in ("status", "config", "refresh") and not args.json:
            _stale_note(registry)
        args.func(registry, args)
    except CliError as exc:
        if args.log_format == "json":
            log.error("%s", exc)  # stderr stays one JSON object per line
        else:
            _echo(f"Error: {exc}", err=True)
        return 1
    except KeyboardInterrupt:
        # Ctrl-C (or, for a server, SIGTERM) before a server's own handling took over, or in a one-shot
        # command: no traceback. Stopping a server is what it was asked to do, so that is a success.
        return 0 if args.command in ("serve", "ui") else 130
    return 0
