"""MCP log notifications: what the server tells a session about itself, at the level the session asked for.

Three kinds of event reach a client as `notifications/message`: each catalog refresh's
outcome (background or forced), the problems with this server's settings and config, and
a start without any provider credential. Every text is built from the same secret-free
strings `list_providers` and `models://status` already show (variable names, counts,
fetch errors that name no secret), never from the environment's values.

Per protocol era (mcp 2.3 carries both):

- Handshake era (2025-11-25 and older): `logging/setLevel` sets a per-session minimum
  (DEFAULT_LEVEL until then). Refresh outcomes go to every session on its standalone
  channel; the settings problems and a credential-less start are sent once, when the
  session sends `notifications/initialized`. Sessions are kept in `LogSessions`, keyed
  by connection and dropped when the connection ends.
- 2026-07-28: there is no `logging/setLevel` and no session; a client opts in per
  request with `_meta["io.modelcontextprotocol/logLevel"]`, and log messages may ride
  only that request's response stream. So only `refresh_catalog` logs, its own outcome,
  to the caller (the SDK applies the opt-in level); background outcomes and start-up
  notes are not pushed in this era, and are read from `models://status` and
  `list_providers` instead.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from typing import Any, TypeVar, get_args

from mcp.shared.exceptions import MCPDeprecationWarning
from mcp.types import LoggingLevel
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from .registry import RefreshOutcome, RefreshResult, Registry

__all__ = ["DEFAULT_LEVEL", "LOGGER", "LogSessions", "log_to_request", "quietly", "refresh_message", "startup_messages"]

log = logging.getLogger(__name__)

LEVELS: tuple[LoggingLevel, ...] = get_args(LoggingLevel)  # severity-ascending, as the spec lists them
DEFAULT_LEVEL: LoggingLevel = "info"  # until setLevel: refresh outcomes and problems, not the no-op refreshes
LOGGER = "models-registry"  # the `logger` field of every notification
MAX_LOG_SESSIONS = 1024  # far above any real number of concurrent clients; a flood cannot grow it further

T = TypeVar("T")


def quietly(call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call an SDK logging API without its deprecation warning.

    mcp 2.3 marks logging deprecated because 2026-07-28 drops `logging/setLevel`; handshake-era
    clients still use it. The warning fires when the coroutine is created, so the filter wraps
    only that synchronous call, never an await.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MCPDeprecationWarning)
        return call(*args, **kwargs)


def at_least(level: str, minimum: str) -> bool:
    return LEVELS.index(level) >= LEVELS.index(minimum)  # type: ignore[arg-type]


class LogSessions:
    """Handshake-era sessions that receive log notifications, each with its minimum level.

    Keyed by connection (the SDK's session object is per request). Bounded like the legacy
    subscriptions: a session's entry goes when its connection ends, and past MAX_LOG_SESSIONS
    a new session is not tracked (it misses background notes; its requests work as before).
    """

    def __init__(self) -> None:
        self._sessions: dict[int, tuple[Any, LoggingLevel]] = {}  # connection key -> (connection, minimum level)

    def add(self, key: int, connection: Any) -> bool:
        """Track the connection at DEFAULT_LEVEL; True when it was not tracked before."""
        if key in self._sessions:
            return False
        if len(self._sessions) >= MAX_LOG_SESSIONS:
            log.warning("more than %d MCP sessions: a new one gets no log notifications", MAX_LOG_SESSIONS)
            return False
        self._sessions[key] = (connection, DEFAULT_LEVEL)
        return True

    def set_level(self, key: int, level: LoggingLevel) -> None:
        if key in self._sessions:
            self._sessions[key] = (self._sessions[key][0], level)

    def level(self, key: int) -> LoggingLevel | None:
        entry = self._sessions.get(key)
        return entry[1] if entry else None

    def drop(self, key: int) -> None:
        self._sessions.pop(key, None)

    def __len__(self) -> int:
        return len(self._sessions)

    async def send(self, key: int, level: LoggingLevel, text: str) -> None:
        """Send to one session if `level` is at or above its minimum."""
        entry = self._sessions.get(key)
        if entry is None or not at_least(level, entry[1]):
            return
        try:
            await quietly(entry[0].log, level, text, logger=LOGGER)
        except Exception:  # a vanished client: the connection's exit drops the entry
            log.debug("could not deliver a log notification", exc_info=True)

    async def broadcast(self, level: LoggingLevel, text: str) -> None:
        for key in list(self._sessions):
            await self.send(key, level, text)


def refresh_message(result: RefreshResult) -> tuple[LoggingLevel, str]:
    """The level and text for one refresh outcome.

    warning: the fetch failed or was rejected, or the update could not be saved (the server
    keeps serving the last good catalog, so no error); notice: the catalog changed; info: an
    update without changes, or upstream's 304; debug: nothing was attempted (fresh, offline).
    """
    outcome, error = result.outcome, result.error
    if outcome in (RefreshOutcome.FAILED, RefreshOutcome.REJECTED):
        return "warning", f"Catalog refresh {outcome}: {error}. Still serving the last good catalog."
    if outcome is RefreshOutcome.UPDATED:
        c = result.change
        text = (
            f"Catalog updated: {len(c.added)} models added, {len(c.removed)} removed, "
            f"{len(c.price_changes)} price changes."
        )
        if not result.saved:
            return "warning", f"{text} Not saved: {error}."
        return ("notice" if result.changed else "info"), text
    if outcome is RefreshOutcome.NOT_MODIFIED:
        return "info", "Catalog refresh: not modified upstream; the catalog in hand is current."
    return "debug", f"Catalog refresh {outcome}{': ' + error if error else ''}."


def startup_messages(registry: Registry) -> list[tuple[LoggingLevel, str]]:
    """What a session should hear once at its start: settings/config problems and a start without keys."""
    notes: list[tuple[LoggingLevel, str]] = [
        ("warning", f"Configuration problem: {problem}") for problem in registry.status().problems
    ]
    summary = registry.summary()
    if summary.providers_available == 0:
        text = (
            f"{summary.text}: no provider has credentials. Set a provider's API key (e.g. OPENAI_API_KEY) in "
            "the `env` block of this server's entry in the host's config (a desktop host does not pass your "
            "shell's variables), or export it in the shell that starts the server."
        )
        notes.append(("warning", text))
    return notes


async def log_to_request(ctx: Any, level: LoggingLevel, text: str) -> None:
    """Log on the current request's stream, for 2026-07-28 clients only (the SDK applies their opt-in level).

    Handshake-era sessions hear the same event from `LogSessions.broadcast`; sending here too would
    say it twice.
    """
    session = ctx.request_context.session
    if session.protocol_version in MODERN_PROTOCOL_VERSIONS:
        # Not `ctx.log`: it calls the deprecated session method inside its coroutine, out of `quietly`'s reach.
        await quietly(session.send_log_message, level, text, logger=LOGGER, related_request_id=ctx.request_id)
