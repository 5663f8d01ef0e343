"""Defaults by role shared by every process on one PostgreSQL database (MODELS_REGISTRY_STATE_URL).

The team's counterpart of `preferences.DefaultsStore`, with the same interface: `load()`,
`save()`, `problem`. Reads never wait on the database: `load()` answers from memory,
which a background task (`run`) fills at start and keeps current with LISTEN/NOTIFY, so
a default set on one replica reaches the others in milliseconds, and a reconnect reads
the table again (notifications sent while away are lost). Each write is one upsert of
one role's row, so two replicas writing at once never lose each other's updates.

When the database is down or refuses the credentials, reads answer with the last
defaults known (and `problem` says so), writes fail with `StoreUnavailable`, and the
task reconnects with backoff. The URL's password never appears in any message.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

import anyio

from .preferences import ROLE_PATTERN
from .sources import redact_url

__all__ = ["TABLE", "PostgresDefaults", "StoreUnavailable"]

log = logging.getLogger(__name__)

TABLE = "models_registry_defaults"
CHANNEL = "models_registry_defaults"
CONNECT_SECONDS = 3.0
QUERY_SECONDS = 5.0
FIRST_BACKOFF_SECONDS = 0.25
MAX_BACKOFF_SECONDS = 2.0  # a refused connection is cheap; a replica back late misses other replicas' changes
REFUSED_BACKOFF_SECONDS = 30.0  # wrong credentials will not fix themselves: do not knock every 2 s
KEEPALIVE_SECONDS = 15.0  # a listener on a dead network path notices within this

_CREATE = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    role text PRIMARY KEY,
    model text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
)"""
_UPSERT = f"""
INSERT INTO {TABLE} (role, model, updated_at) VALUES ($1, $2, now())
ON CONFLICT (role) DO UPDATE SET model = EXCLUDED.model, updated_at = EXCLUDED.updated_at"""


_REFUSALS = {"InvalidPasswordError", "InvalidAuthorizationSpecificationError", "InvalidCatalogNameError"}


class StoreUnavailable(OSError):
    """A write the shared store could not make; the message says why, without the password."""

    def __init__(self, message: str):
        super().__init__(message)
        self.strerror = message  # what os_error_text shows


class PostgresDefaults:
    """{role: "provider/model"} in one table, one row per role."""

    def __init__(self, url: str):
        self.url = url
        raw_password = _raw_userinfo(url).partition(":")[2]
        # PGPASSWORD: asyncpg's place for a password the URL leaves out (deploy/compose.yaml uses it).
        self._secrets = [url, raw_password, unquote(raw_password), os.environ.get("PGPASSWORD", "")]
        # A password with an unencoded '/', '?' or '#' ends the URL's userinfo early: the URL would be read
        # wrong (and the password shown as part of a host or path). Refused, never tried.
        self.malformed = _misread(url)
        # postgresql://host:port/db: no user, no password, no query
        self.where = _after_userinfo(url) if self.malformed else redact_url(url)
        self.problem: str | None = (
            "MODELS_REGISTRY_STATE_URL cannot be read: percent-encode the password's '/', '?', '#' and '@' "
            "(or give the password in PGPASSWORD); using no stored defaults"
            if self.malformed else None
        )
        self.errors = 0  # failed connects, reloads and writes since start (for /metrics)
        self.connected = False
        self.read_at: datetime | None = None  # the last successful read of the table
        self._on_change: Callable[[], None] = _nothing  # while `run` follows: called when the roles change
        self._roles: dict[str, str] = {}
        self._changes = 0
        self._loaded = False
        self._dirty: anyio.Event | None = None  # set by a notification
        self._pool: Any = None
        self._running = False

    def describe(self) -> str:
        if self.connected:
            state = "connected"
        elif self.problem or self.read_at is None:
            state = "not connected"
        else:
            state = f"read at {self.read_at:%H:%M:%S} UTC"  # a one-shot command's single read
        return f"{self.where} ({state})"

    @property
    def following(self) -> bool:
        """True while `run` follows the table (a server); False for a one-shot command."""
        return self._running

    def load(self) -> dict[str, str]:
        """The roles as last read from the database (empty until the first read)."""
        return dict(self._roles)

    def version(self) -> object:
        """Changes whenever the roles in memory do."""
        return self._changes

    # --- writes ---------------------------------------------------------------------------------

    async def save(self, role: str, model_ref: str) -> None:
        """Upsert one role; StoreUnavailable when the database cannot take it (nothing changed then)."""
        try:
            if self.malformed:
                raise ValueError("the URL cannot be read (see status)")
            with anyio.fail_after(CONNECT_SECONDS + QUERY_SECONDS):
                if self._running:
                    pool = await self._writer_pool()
                    async with pool.acquire(timeout=CONNECT_SECONDS) as conn:
                        await self._write(conn, role, model_ref)
                else:  # a one-shot command: one connection, closed at once
                    conn = await self._connect()
                    try:
                        await self._ensure_table(conn)
                        await self._write(conn, role, model_ref)
                    finally:
                        await conn.close()
        except Exception as exc:  # asyncpg's errors are many, and none may escape with the password in it
            self.errors += 1
            reason = self.describe_error(exc)
            log.warning("shared defaults: could not save %s: %s", role, reason)
            raise StoreUnavailable(f"the shared defaults database did not take the change: {reason}") from None
        self._remember({**self._roles, role: model_ref})
        # Another replica may have written this role between our commit and the line above, and our
        # listener may have read that already: read the table once more, after this write.
        self._notified()

    async def _write(self, conn: Any, role: str, model_ref: str) -> None:
        async with conn.transaction():
            await conn.execute(_UPSERT, role, model_ref, timeout=QUERY_SECONDS)
            await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, role, timeout=QUERY_SECONDS)  # sent at commit

    async def _writer_pool(self) -> Any:
        if self._pool is None:
            import asyncpg

            # min_size 0: creating the pool connects to nothing, so a database that is down costs a write
            # one refused connection, and the pool reconnects by itself when it is back.
            self._pool = await asyncpg.create_pool(
                self.url, min_size=0, max_size=4, timeout=CONNECT_SECONDS, command_timeout=QUERY_SECONDS,
                max_inactive_connection_lifetime=60,
            )
        return self._pool

    # --- reads: one load for one-shot commands, the listener for servers ---------------------------

    async def load_once(self) -> None:
        """Read the table once (a one-shot command); on failure the problem says why."""
        if self.malformed:
            return
        try:
            with anyio.fail_after(CONNECT_SECONDS + QUERY_SECONDS):
                conn = await self._connect()
                try:
                    await self._reload(conn)
                finally:
                    await conn.close()
        except Exception as exc:
            self._went_down(exc)

    def check(self) -> str | None:
        """None while the listener is connected, else a reason (for /readyz, which anyone may ask: the
        details stay in status). No query: a flood of probes must not knock on the database, and the
        listener notices a lost connection at once (a dead network path within KEEPALIVE_SECONDS)."""
        if self.connected:
            return None
        return "the shared defaults database is not connected (details in status)"

    async def run(self, on_change: Callable[[], None], *, task_status: Any = anyio.TASK_STATUS_IGNORED) -> None:
        """Follow the table until cancelled: connect, LISTEN, read, and reconnect with backoff when lost.

        Started (task_status) after the first attempt, whatever its outcome, so a server's first
        answers already see the stored defaults when the database is up.
        """
        # Held only while following: a store that kept its registry's method would keep the registry (and
        # its whole catalog) alive in a reference cycle after it is dropped, until a full collection.
        self._on_change, self._running = on_change, True
        backoff = FIRST_BACKOFF_SECONDS
        try:
            if self.malformed:  # nothing to connect to: the problem says so
                task_status.started()
                await anyio.sleep_forever()
            while True:
                conn, pause = None, backoff
                try:
                    conn = await self._listen()
                except Exception as exc:
                    self._went_down(exc)
                    if type(exc).__name__ in _REFUSALS:
                        pause = REFUSED_BACKOFF_SECONDS
                task_status.started()  # after the first attempt, whatever came of it; a no-op from then on
                task_status = anyio.TASK_STATUS_IGNORED
                if conn is not None:
                    backoff = pause = FIRST_BACKOFF_SECONDS
                    try:
                        await self._follow(conn)
                    except Exception as exc:
                        self._went_down(exc)
                    finally:
                        conn.terminate()  # immediate: closing politely would wait on a dead link
                await anyio.sleep(pause)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
        finally:
            self._on_change, self._running = _nothing, False
            self.connected = False
            if self._pool is not None:
                pool, self._pool = self._pool, None
                pool.terminate()

    async def _listen(self) -> Any:
        with anyio.fail_after(CONNECT_SECONDS + QUERY_SECONDS):
            conn = await self._connect()
            try:
                await self._ensure_table(conn)
                self._dirty = anyio.Event()
                await conn.add_listener(CHANNEL, self._notified)
                conn.add_termination_listener(self._notified)  # a lost connection wakes the follower at once
                await self._reload(conn)  # after LISTEN: no change can slip between the read and the listening
            except BaseException:
                conn.terminate()
                raise
        if self.problem:
            log.warning("shared defaults: %s answers again", self.where)
        self.connected, self.problem = True, None
        return conn

    def _notified(self, *_: Any) -> None:  # asyncpg's listeners: (connection, pid, channel, payload), (connection)
        if self._dirty is not None:
            self._dirty.set()

    async def _follow(self, conn: Any) -> None:
        """Read the table again after each burst of notifications; ping when quiet, to notice a dead link."""
        while True:
            assert self._dirty is not None
            with anyio.move_on_after(KEEPALIVE_SECONDS):
                await self._dirty.wait()
            if conn.is_closed():
                raise ConnectionError("the connection to the database was closed")
            self._dirty = anyio.Event()  # a notification from now on wakes the next round
            with anyio.fail_after(QUERY_SECONDS):
                await self._reload(conn)

    async def _reload(self, conn: Any) -> None:
        import asyncpg

        try:
            rows = await conn.fetch(f"SELECT role, model FROM {TABLE}", timeout=QUERY_SECONDS)
        except asyncpg.UndefinedTableError:  # a database no replica has written to yet
            rows = []
        self.read_at = datetime.now(UTC)
        roles, bad = {}, []
        for row in rows:
            role, model = row["role"], row["model"]
            if ROLE_PATTERN.match(role) and "/" in model and len(model) <= 512:
                roles[role] = model
            else:
                bad.append(role[:40])
        if bad:  # someone wrote to the table by hand: use the rest
            log.warning("shared defaults: ignoring %d malformed rows in %s (roles %s)", len(bad), TABLE, bad[:5])
        self._remember(roles)

    def _remember(self, roles: dict[str, str]) -> None:
        self._loaded = True
        if roles != self._roles:
            self._roles = roles
            self._changes += 1
            self._on_change()

    def _went_down(self, exc: BaseException) -> None:
        self.errors += 1
        was_connected, self.connected = self.connected, False
        known = f"answering with the {len(self._roles)} defaults known then" if self._loaded else "no stored defaults yet"
        since = datetime.now(UTC).strftime("%H:%M:%S UTC")
        problem = f"shared defaults database {self.where}: {self.describe_error(exc)} (since {since}); {known}"
        if was_connected or self.problem is None:  # once per outage, not once per retry
            log.warning("%s", problem)
            self.problem = problem

    # --- plumbing -----------------------------------------------------------------------------------

    async def _connect(self) -> Any:
        import asyncpg  # only when a state URL is set: a start that uses the file never imports it

        return await asyncpg.connect(self.url, timeout=CONNECT_SECONDS, command_timeout=QUERY_SECONDS)

    async def _ensure_table(self, conn: Any) -> None:
        # Two replicas creating the table at once can collide in the catalog (a unique violation
        # on pg_type); the advisory lock makes them take turns.
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", TABLE, timeout=QUERY_SECONDS)
            await conn.execute(_CREATE, timeout=QUERY_SECONDS)

    def describe_error(self, exc: BaseException) -> str:
        """What went wrong in a few words, never with the password (asyncpg may quote parts of the URL)."""
        name = type(exc).__name__
        if isinstance(exc, ModuleNotFoundError):
            text = "asyncpg is not installed: pip install 'models-registry-mcp[postgres]'"
        elif isinstance(exc, TimeoutError):
            text = "no answer in time"
        elif name == "InvalidPasswordError":
            text = "the database refused the credentials (wrong password)"
        elif name in _REFUSALS:
            text = f"the database refused the connection ({exc})"
        elif isinstance(exc, ConnectionRefusedError) or "Connect call failed" in str(exc):
            text = "connection refused (is PostgreSQL running?)"
        elif isinstance(exc, OSError):
            text = exc.strerror or str(exc) or name
        else:
            text = str(exc).strip() or name
        return _scrub(text, self._secrets)[:300]


def _nothing() -> None:
    pass


def _raw_userinfo(url: str) -> str:
    """What stands between '://' and the last '@' (user:password), as written."""
    rest = url.partition("://")[2]
    userinfo, at, _ = rest.rpartition("@")
    return userinfo if at else ""


def _after_userinfo(url: str) -> str:
    """scheme://host:port/db of any URL, however malformed: what follows the last '@', without a query."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2].partition('?')[0].partition('#')[0]}"


def _misread(url: str) -> bool:
    """The URL parser would not see the userinfo as written (an unencoded '/', '?' or '#' in the password)."""
    raw = _raw_userinfo(url)
    if not raw:
        return False
    try:
        parts = urlsplit(url)
        parsed = f"{parts.username or ''}:{parts.password}" if parts.password is not None else parts.username or ""
    except ValueError:
        return True
    return parsed != raw


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in sorted(filter(None, secrets), key=len, reverse=True):
        text = text.replace(secret, "***")
    return re.sub(r"postgres(?:ql)?://\S+", lambda m: redact_url(m.group(0)), text)
