"""The user's remembered defaults by role ("default", "small", ...), in a state file of their own.

Kept apart from any hand-written config so that writing a preference never
touches a file the user edits. Several processes may call `set` at once: each
call takes a file lock, re-reads the file, changes one role and replaces the
file atomically, so no update is lost. A corrupt file is moved aside (never
deleted) and reported. Replicas on several machines share defaults through
`shared_defaults.PostgresDefaults` instead, which has the same interface.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
import orjson

from .sources import atomic_write

if TYPE_CHECKING:
    import filelock

__all__ = ["ROLE_PATTERN", "DefaultsStore"]

log = logging.getLogger(__name__)
ROLE_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


class DefaultsStore:
    """defaults.json in the state directory: {"roles": {role: "provider/model"}}."""

    def __init__(self, directory: Path):
        self.path = directory / "defaults.json"
        self.problem: str | None = None
        self.errors = 0  # failed writes since start (for /metrics)
        self._seen: tuple[tuple[int, int, int], dict[str, str]] | None = None  # (file identity, roles)

    def describe(self) -> str:
        return f"file {self.path}"

    async def save(self, role: str, model_ref: str) -> None:
        """`set` in a worker thread (it may wait for another process's lock)."""
        try:
            await anyio.to_thread.run_sync(self.set, role, model_ref)
        except OSError:
            self.errors += 1
            raise

    def check(self) -> str | None:
        """None: a file store is always ready (a write that fails says so itself)."""
        return None

    def _lock(self) -> filelock.FileLock:
        import filelock  # only writers lock; a start that only reads skips the import (~8 ms)

        self.path.parent.mkdir(parents=True, exist_ok=True)
        return filelock.FileLock(self.path.with_suffix(".lock"), timeout=30)

    def _read(self) -> dict[str, str]:
        try:
            data = orjson.loads(self.path.read_bytes())
            roles = data["roles"]
            if not isinstance(roles, dict) or not all(isinstance(v, str) for v in roles.values()):
                raise ValueError("roles must map names to 'provider/model'")
        except FileNotFoundError:
            self.problem = None  # a file moved aside or deleted is no longer a problem
            return {}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            self.problem = f"{self.path} is unreadable ({type(exc).__name__}); defaults start empty"
            return {}
        self.problem = None
        return dict(roles)

    def load(self) -> dict[str, str]:
        """The stored roles; the file is read again only when it changed (another process may write it)."""
        try:
            stat = self.path.stat()
        except OSError:
            self._seen = None
            return self._read()
        identity = (stat.st_ino, stat.st_mtime_ns, stat.st_size)  # atomic replace gives a new inode
        if self._seen is None or self._seen[0] != identity:
            self._seen = (identity, self._read())
        return dict(self._seen[1])

    def version(self) -> object:
        """Changes whenever the stored roles may have (the file's identity, read now)."""
        self.load()
        return self._seen[0] if self._seen else None

    def set(self, role: str, model_ref: str) -> None:
        with self._lock():
            roles = self._read()
            if self.problem and self.path.is_file():  # keep what the user had, out of the way
                self.path.replace(self.path.with_name(f"defaults.corrupt-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"))
            roles[role] = model_ref
            atomic_write(self.path, orjson.dumps({"roles": roles}, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
            self.problem = None
