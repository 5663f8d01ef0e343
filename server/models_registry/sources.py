"""Where catalogs come from: the bundled snapshot, the cache file, the network and a user file.

Start-up never touches the network: `load_initial()` reads a user file, else the
cache, else the bundled snapshot, in milliseconds. `fetch_catalog()` is the only
network code, used by the registry's background refresh; `check_plausible()` is
the gate a fetched catalog must pass before it replaces the last good one.

Files are written atomically (temp file, fsync, os.replace) under a file lock, so
several processes sharing a cache never leave a torn file. The cache and the
snapshot record the sha256 of exactly the bytes that were validated; a file
whose hash matches is trusted without paying for validation again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import hashlib
import logging
import math
import os
import socket
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import anyio
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from . import __version__
from .catalog import Catalog, CatalogError, CatalogIndex, parse_catalog
from .recommend.quality import QualityTable

if TYPE_CHECKING:
    import filelock
    import httpx2

__all__ = [
    "CatalogCache",
    "CatalogSource",
    "FetchError",
    "FetchLimits",
    "Fetched",
    "LoadedCatalog",
    "NotModified",
    "atomic_write",
    "check_plausible",
    "fetch_catalog",
    "load_file",
    "load_initial",
    "load_snapshot",
    "os_error_text",
    "redact_url",
    "snapshot_dir",
    "write_snapshot",
]

log = logging.getLogger(__name__)

USER_AGENT = f"models-registry-mcp/{__version__}"
SNAPSHOT_FILE = "api.json"
SNAPSHOT_META = "metadata.json"
INDEX_FILE = "api.index.json"
QUALITY_FILE = "quality.json"  # recommend's quality table, built from public leaderboards  # beside api.json in the snapshot and the cache; see CatalogIndex


class CatalogSource(StrEnum):
    """Where the catalog in hand came from."""

    SNAPSHOT = "snapshot"
    CACHE = "cache"
    NETWORK = "network"
    FILE = "file"


@dataclass
class LoadedCatalog:
    """A catalog and its provenance."""

    catalog: Catalog
    source: CatalogSource
    fetched_at: datetime | None = None
    url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    # Why a better source could not be used (a corrupt cache, a broken user file).
    problems: list[str] = field(default_factory=list)
    # Models left out when this catalog was validated (a trusted reload no longer has the list).
    skipped_models: int | None = None


def os_error_text(exc: OSError) -> str:
    """'No space left on device' rather than 'OSError': what the user can act on."""
    return exc.strerror or type(exc).__name__


def redact_url(url: str) -> str:
    """The URL safe to show in status, logs and files: no user:password, and no query values.

    Query names stay (`?token=REDACTED`) so the user can tell which URL it is; any value may be a
    credential (a signed mirror URL, `?key=...`), so none is kept.
    """
    parts = urlsplit(url)
    if parts.username or parts.password:
        host = parts.netloc.rpartition("@")[2]  # as written: a port list (h1:5432,h2:5432) is no single port
        parts = parts._replace(netloc=host)
    if parts.query:
        fields = [field.partition("=") for field in parts.query.split("&")]
        # A field without "=" is all value (`?sk-...`), so it is hidden whole.
        parts = parts._replace(query="&".join(f"{name}=REDACTED" if eq and name else "REDACTED" for name, eq, _ in fields))
    if parts.fragment:
        parts = parts._replace(fragment="REDACTED")
    return urlunsplit(parts)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def atomic_write(path: Path, data: bytes) -> None:
    """Write via a temp file in the same directory, fsync, then os.replace: readers see old or new, never half."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # directory fsync is not possible everywhere
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


# --- Bundled snapshot -------------------------------------------------------------------------


class SnapshotMeta(BaseModel):
    """snapshot/metadata.json: what the bundled catalog is and how to regenerate it."""

    model_config = ConfigDict(defer_build=True)  # a start reads this or CacheMeta, rarely both

    source_url: str = Field(description="Where the catalog was taken from.")
    date: dt.date = Field(description="The date of the upstream catalog.")
    sha256: str = Field(description="sha256 of api.json, the validated catalog.")
    providers: int
    models: int
    skipped_models: int = 0
    regenerate: str = Field(description="The command that rebuilds this snapshot.")


def snapshot_dir() -> Path:
    """The snapshot shipped in the wheel, or the source tree's top-level snapshot/."""
    here = Path(__file__).resolve().parent
    packaged = here / "snapshot"
    return packaged if packaged.is_dir() else here.parents[1] / "snapshot"


def load_snapshot(directory: Path | None = None) -> LoadedCatalog:
    """The bundled catalog; its sha256 guards against a damaged install."""
    directory = directory or snapshot_dir()
    meta = SnapshotMeta.model_validate_json((directory / SNAPSHOT_META).read_bytes())
    data = (directory / SNAPSHOT_FILE).read_bytes()
    if _sha256(data) != meta.sha256:
        raise CatalogError(f"bundled snapshot in {directory} does not match its sha256; reinstall the package")
    catalog = Catalog.trusted(data, _read_index(directory / INDEX_FILE, meta.sha256))
    fetched_at = datetime(meta.date.year, meta.date.month, meta.date.day, tzinfo=UTC)
    return LoadedCatalog(
        catalog, CatalogSource.SNAPSHOT, fetched_at=fetched_at, url=meta.source_url, skipped_models=meta.skipped_models
    )


def _read_index(path: Path, sha256: str) -> CatalogIndex | None:
    """The index written with the catalog whose sha256 is given, or None (then the catalog is parsed whole)."""
    try:
        index = CatalogIndex.from_json(path.read_bytes())
    except OSError:
        return None
    return index if index is not None and index.sha256 == sha256 else None


def load_quality_table(directory: Path | None = None) -> QualityTable:
    """The bundled quality table; empty (every score a guess from names) when it is unusable."""
    path = (directory or snapshot_dir()) / QUALITY_FILE
    try:
        return QualityTable.from_json(path.read_bytes())
    except (OSError, ValueError) as exc:
        log.warning("cannot use %s (%s); ranking without measured quality", path, exc)
        return QualityTable()


def write_snapshot(
    data: bytes,
    *,
    source_url: str,
    on: dt.date,
    directory: Path | None = None,
    quality: QualityTable | None = None,
) -> SnapshotMeta:
    """Validate a catalog and write it as the bundled snapshot (maintainers: `models-registry snapshot update`).

    `quality` (built by `snapshot update --quality-from`) replaces quality.json; without it the
    file in place is kept.
    """
    directory = directory or snapshot_dir()
    catalog = parse_catalog(data)
    check_plausible(catalog, None)
    clean, index = catalog.to_json_with_index()
    meta = SnapshotMeta(
        source_url=source_url,
        date=on,
        sha256=_sha256(clean),
        providers=len(catalog),
        models=catalog.model_count,
        skipped_models=len(catalog.skipped),
        regenerate=f"models-registry snapshot update --from {source_url} --date {on.isoformat()}",
    )
    directory.mkdir(parents=True, exist_ok=True)
    # Stored uncompressed: git and the wheel compress it anyway, and a start skips ~5 ms of gunzip.
    atomic_write(directory / SNAPSHOT_FILE, clean)
    atomic_write(directory / INDEX_FILE, index.to_json())
    if quality is not None:
        atomic_write(directory / QUALITY_FILE, quality.to_json())
    atomic_write(directory / SNAPSHOT_META, meta.model_dump_json(indent=2).encode() + b"\n")
    return meta


# --- Cache --------------------------------------------------------------------------------------


class CacheMeta(BaseModel):
    """api.meta.json beside the cached catalog."""

    model_config = ConfigDict(defer_build=True)

    fetched_at: datetime = Field(description="When upstream last confirmed this catalog (a 304 counts).")
    url: str = Field(description="Where it was fetched from (credentials removed).")
    etag: str | None = None
    last_modified: str | None = None
    sha256: str = Field(description="sha256 of api.json as validated.")
    providers: int
    models: int
    skipped_models: int = 0


class CacheError(Exception):
    """The cache is missing or unusable; the message says why."""


class CatalogCache:
    """The cached catalog in one directory: api.json, api.meta.json, api.index.json and a lock file."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.catalog_path = directory / "api.json"
        self.meta_path = directory / "api.meta.json"
        self.index_path = directory / INDEX_FILE
        self.lock_path = directory / "api.lock"
        # The last fetch's outcome, kept for the next process (a CLI `status`, a restarted server).
        self.refresh_path = directory / "last-refresh.json"

    def _lock(self) -> filelock.FileLock:
        import filelock  # only writers lock; a start that only reads skips the import (~8 ms)

        self.directory.mkdir(parents=True, exist_ok=True)
        return filelock.FileLock(self.lock_path, timeout=30)

    def read_meta(self) -> CacheMeta:
        try:
            return CacheMeta.model_validate_json(self.meta_path.read_bytes())
        except FileNotFoundError:
            raise CacheError("no cache yet") from None
        except (OSError, ValidationError, ValueError) as exc:
            raise CacheError(f"cache metadata {self.meta_path} is unreadable ({type(exc).__name__})") from None

    def load(self) -> LoadedCatalog:
        """The cached catalog; raises CacheError with the reason when it cannot be used."""
        meta = self.read_meta()
        try:
            data = self.catalog_path.read_bytes()
        except OSError as exc:
            raise CacheError(f"cache file {self.catalog_path} is unreadable ({type(exc).__name__})") from None
        skipped: int | None = None  # counted by the parse below, unless the bytes are the ones validated before
        if _sha256(data) == meta.sha256:
            catalog = Catalog.trusted(data, _read_index(self.index_path, meta.sha256))
            skipped = meta.skipped_models
        else:
            # Written by another process between our two reads, or damaged: validate it in full.
            try:
                catalog = parse_catalog(data)
            except CatalogError as exc:
                raise CacheError(f"cache file {self.catalog_path} is corrupt ({exc})") from None
            if not catalog.model_count:
                raise CacheError(f"cache file {self.catalog_path} holds no models")
        return LoadedCatalog(
            catalog,
            CatalogSource.CACHE,
            skipped_models=skipped,
            fetched_at=meta.fetched_at,
            url=meta.url,
            etag=meta.etag,
            last_modified=meta.last_modified,
        )

    def store(self, catalog: Catalog, *, url: str, etag: str | None, last_modified: str | None) -> CacheMeta:
        """Replace the cache with a validated catalog, atomically and under the lock."""
        data, index = catalog.to_json_with_index()
        meta = CacheMeta(
            fetched_at=_now(),
            url=redact_url(url),
            etag=etag,
            last_modified=last_modified,
            sha256=_sha256(data),
            providers=len(catalog),
            models=catalog.model_count,
            skipped_models=len(catalog.skipped),
        )
        with self._lock():
            # Catalog first, index before meta: a reader whose meta matches the catalog has its index too.
            atomic_write(self.catalog_path, data)
            atomic_write(self.index_path, index.to_json())
            atomic_write(self.meta_path, meta.model_dump_json(indent=2).encode())
        return meta

    def touch(self) -> datetime | None:
        """After a 304: record that upstream confirmed the cache, leaving the catalog untouched."""
        with self._lock():
            meta = self.read_meta()
            meta.fetched_at = _now()
            atomic_write(self.meta_path, meta.model_dump_json(indent=2).encode())
        return meta.fetched_at

    def record_refresh(self, data: bytes) -> None:
        """Replace the last-refresh record; atomic, so a reader sees the previous one or this one.

        No lock: the last writer wins, which is the latest attempt. The caller passes text
        without secrets (refresh errors never hold one; the URL is redacted).
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        atomic_write(self.refresh_path, data)

    def read_refresh(self) -> bytes | None:
        """The last-refresh record's bytes; None when it is missing or cannot be read."""
        try:
            return self.refresh_path.read_bytes()
        except OSError:  # missing, a directory, unreadable: as if no refresh was recorded
            return None


# --- User file ----------------------------------------------------------------------------------


def load_file(path: Path) -> LoadedCatalog:
    """A catalog file the user named (MODELS_REGISTRY_CATALOG): untrusted, so fully validated."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CatalogError(f"cannot read {path} ({type(exc).__name__})") from None
    catalog = parse_catalog(data)
    check_plausible(catalog, None)
    mtime = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return LoadedCatalog(catalog, CatalogSource.FILE, fetched_at=mtime, url=str(path))


def load_initial(catalog_file: Path | None, cache: CatalogCache) -> LoadedCatalog:
    """What to serve at start, with no network: the user's file, else the cache, else the snapshot."""
    problems: list[str] = []
    if catalog_file is not None:
        try:
            return load_file(catalog_file)
        except CatalogError as exc:
            problems.append(f"MODELS_REGISTRY_CATALOG: {exc}")
    try:
        loaded = cache.load()
    except CacheError as exc:
        if str(exc) != "no cache yet":
            problems.append(str(exc))
        loaded = load_snapshot()
    loaded.problems = problems
    for problem in problems:
        log.warning("%s; serving the %s catalog", problem, loaded.source)
    return loaded


# --- Network ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FetchLimits:
    """Bounds on one fetch, so a slow or hostile upstream can never hold us."""

    connect_timeout: float = 5.0
    total_timeout: float = 30.0
    max_bytes: int = 64 * 1024 * 1024
    max_redirects: int = 5


@dataclass(frozen=True)
class Fetched:
    body: bytes
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True)
class NotModified:
    pass


class FetchError(Exception):
    """A fetch that gave no usable catalog; the message is safe to show (no secrets)."""

    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header; None when it does not parse to a finite delay.

    The caller caps it (a hostile `Retry-After: 999999999999` must not stop refreshes for good).
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)  # inf for thousands of digits, never an error
        return seconds if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, (when - _now()).total_seconds())
    except (TypeError, ValueError, OverflowError, IndexError):
        return None


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything it was raised from, through exception groups too."""
    pending, seen = [exc], set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [c for c in (current.__cause__, current.__context__) if c is not None]
        pending += getattr(current, "exceptions", ())


def _describe(exc: httpx2.HTTPError) -> str:
    """A short, secret-free account of a transport failure."""
    import httpx2
    if isinstance(exc, httpx2.TooManyRedirects):
        return "too many redirects"
    if isinstance(exc, httpx2.ConnectTimeout):
        return "connect timed out"
    if isinstance(exc, httpx2.TimeoutException):
        return "timed out waiting for data"
    if isinstance(exc, httpx2.ConnectError):
        causes = list(_causes(exc))
        if any(isinstance(c, ConnectionRefusedError) for c in causes):
            return "connection refused"
        if any(isinstance(c, socket.gaierror) for c in causes):
            return "DNS lookup failed"
        return "could not connect"
    if isinstance(exc, httpx2.RemoteProtocolError):
        return "connection closed before the body was complete"
    if isinstance(exc, httpx2.UnsupportedProtocol):
        return "unsupported URL scheme"
    return f"network error ({type(exc).__name__})"


async def fetch_catalog(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    limits: FetchLimits = FetchLimits(),
) -> Fetched | NotModified:
    """GET the catalog, conditionally when we hold an ETag or Last-Modified.

    Proxies come from HTTP(S)_PROXY / NO_PROXY; TLS verifies against the system trust store.
    Raises FetchError for anything but a complete 200 body or a 304 we asked for.
    """
    import httpx2  # ~20 ms to import: one-shot commands that never fetch do not pay it

    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    timeout = httpx2.Timeout(limits.total_timeout, connect=limits.connect_timeout)
    try:
        with anyio.fail_after(limits.total_timeout):
            async with (
                httpx2.AsyncClient(
                    timeout=timeout, follow_redirects=True, max_redirects=limits.max_redirects, trust_env=True
                ) as client,
                client.stream("GET", url, headers=headers) as response,
            ):
                return await _read_response(response, limits, conditional=bool(etag or last_modified))
    except TimeoutError:
        raise FetchError(f"timed out after {limits.total_timeout:g}s") from None
    except httpx2.HTTPError as exc:
        raise FetchError(_describe(exc)) from None
    except ValueError as exc:  # e.g. a malformed URL
        raise FetchError(f"invalid URL ({type(exc).__name__})") from None


async def _read_response(response: httpx2.Response, limits: FetchLimits, *, conditional: bool) -> Fetched | NotModified:
    status = response.status_code
    if status == 304:
        if not conditional:
            raise FetchError("HTTP 304 Not Modified to a request that was not conditional")
        return NotModified()
    if status != 200:
        raise FetchError(
            f"HTTP {status} {response.reason_phrase}".strip(),
            retry_after=_retry_after(response.headers.get("retry-after")),
        )
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes:
        raise FetchError(f"body of {int(declared)} bytes is over the {limits.max_bytes}-byte cap")
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limits.max_bytes:
            raise FetchError(f"body is over the {limits.max_bytes}-byte cap")
        chunks.append(chunk)
    return Fetched(b"".join(chunks), response.headers.get("etag"), response.headers.get("last-modified"))


def check_plausible(new: Catalog, previous: Catalog | None) -> None:
    """The gate: raise CatalogError unless `new` may replace `previous`.

    A half-deployed upstream must not wipe the registry: a catalog with no models,
    one where most models were malformed, or one that lost more than half of the
    previous catalog's models is rejected.
    """
    models = new.model_count
    if models == 0:
        raise CatalogError("the catalog holds no models")
    if len(new.skipped) > models:
        raise CatalogError(f"{len(new.skipped)} entries failed validation against {models} that passed")
    if previous is not None and models < previous.model_count / 2:
        raise CatalogError(
            f"the catalog shrank from {previous.model_count} to {models} models (more than half); "
            "keeping the last good catalog"
        )
