"""A real, throwaway PostgreSQL server for tests and benchmarks: Debian's binaries, a cluster per PostgresServer.

This module owns the cluster's whole life: its directory (data, Unix socket, log), initdb, start, stop and
removal. The cluster listens on 127.0.0.1 only, on a free port, and asks for a password on TCP
(scram-sha-256; no trust). Its Unix socket sits in the cluster's own directory and is used only here, to
create the `registry` role and database on the first start.

initdb and postgres refuse to run as root, so as root (this sandbox, CI) every server command runs as the
`postgres` system user that Debian's package creates, and the directory is handed to that user. The
default directory is a fresh `tempfile.mkdtemp()` in /tmp, which that user can reach (pytest's tmp_path
under /tmp/pytest-of-root, mode 700, it cannot).
"""

from __future__ import annotations

import atexit
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from functools import cache
from pathlib import Path
from typing import Self
from urllib.parse import quote

__all__ = ["PostgresServer", "postgres_available"]

PROGRAMS = ("initdb", "pg_ctl", "postgres", "psql")
START_SECONDS = 30
SYSTEM_USER = "postgres"  # Debian's account for the server when we are root
SUPERUSER = "postgres"  # the cluster's bootstrap superuser: Unix socket only, never on TCP
SOCKET_PATH_LIMIT = 100  # sun_path is 108 bytes; the socket file's name takes up to 16 of them


@cache
def _bin_dir() -> Path | None:
    """The directory holding initdb, pg_ctl, postgres and psql: Debian's newest version, else PATH."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    for directory in candidates:
        if all((directory / name).is_file() for name in PROGRAMS):
            return directory
    found = [shutil.which(name) for name in PROGRAMS]
    if all(found):
        directory = Path(found[0]).resolve().parent  # /usr/local/bin links into /usr/lib/postgresql/N/bin
        return directory if all((directory / name).is_file() for name in PROGRAMS) else Path(found[0]).parent
    return None


def _as_root() -> bool:
    return os.geteuid() == 0


def postgres_available() -> bool:
    """True when the server binaries exist (and, as root, the `postgres` user to run them)."""
    if _bin_dir() is None:
        return False
    if _as_root():
        try:
            pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            return False
    return True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """A throwaway PostgreSQL cluster on 127.0.0.1:<free port>, password-authenticated (scram-sha-256)."""

    user = "registry"
    database = "registry"

    def __init__(self, directory: Path | None = None):
        bin_dir = _bin_dir()
        if bin_dir is None:
            raise RuntimeError(f"PostgreSQL server binaries not found ({', '.join(PROGRAMS)})")
        self.bin = bin_dir
        self.owns_directory = directory is None
        self.directory = (
            Path(tempfile.mkdtemp(prefix="models-registry-pg-")) if directory is None else Path(directory)
        )
        self.directory.mkdir(parents=True, exist_ok=True)
        self.data = self.directory / "data"
        self.log = self.directory / "postgres.log"
        self.socket_dir = self.directory / "run"
        self.spare_socket_dir: Path | None = None
        if len(str(self.socket_dir)) > SOCKET_PATH_LIMIT - 16:  # a deep directory: the socket goes elsewhere
            self.spare_socket_dir = self.socket_dir = Path(tempfile.mkdtemp(prefix="pg-run-"))
        self.password = secrets.token_urlsafe(24)
        self.port = 0  # chosen on the first start, then kept: the URL stays valid across stop()/start()
        self.running = False
        self.provisioned = False  # the role and database exist
        self._account = pwd.getpwnam(SYSTEM_USER) if _as_root() else None

    @property
    def url(self) -> str:
        """postgresql://registry:<password>@127.0.0.1:<port>/registry"""
        return self.url_with_password(self.password)

    def url_with_password(self, password: str) -> str:
        """The URL with another password (to prove a wrong one is refused)."""
        return f"postgresql://{self.user}:{quote(password, safe='')}@127.0.0.1:{self.port}/{self.database}"

    def start(self) -> None:
        """initdb on the first call; start, and wait until the server accepts connections.

        The first start picks a free port (another one if it was taken meanwhile) and creates the role
        and database; later starts reuse the port and the data.
        """
        if self.running:
            return
        if not (self.data / "PG_VERSION").exists():
            self._initdb()
        if self.port:
            self._start_on(self.port)
        else:
            for attempt in range(5):
                port = _free_port()
                try:
                    self._start_on(port)
                except RuntimeError:
                    if attempt == 4 or "already in use" not in self._log_tail():
                        raise
                    continue
                self.port = port
                break
        self.running = True
        atexit.register(self.cleanup)
        if not self.provisioned:
            self._create_role_and_database()
            self.provisioned = True

    def stop(self) -> None:
        """Fast shutdown (pg_ctl -m fast: open connections are ended), waiting until it is down."""
        if not self.running:
            return
        if not self._pg_ctl_stop("fast"):  # a wedged server: immediate mode always ends it
            self._pg_ctl_stop("immediate")
        self.running = False

    def cleanup(self) -> None:
        """Stop if running, then remove the cluster's directory (when this object created it) and socket dir."""
        atexit.unregister(self.cleanup)
        self.stop()
        if self.owns_directory:
            shutil.rmtree(self.directory, ignore_errors=True)
        else:
            for part in (self.data, self.log, self.directory / "run"):
                shutil.rmtree(part, ignore_errors=True) if part.is_dir() else part.unlink(missing_ok=True)
        if self.spare_socket_dir is not None:
            shutil.rmtree(self.spare_socket_dir, ignore_errors=True)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.cleanup()

    # -- internals -------------------------------------------------------------------------------------

    def _program(self, name: str) -> str:
        return str(self.bin / name)

    def _run(
        self, command: list[str], *, check: bool = True, input: str | None = None
    ) -> subprocess.CompletedProcess:
        """Run a PostgreSQL program as the server's user, in the cluster directory, without PG* variables."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        kwargs: dict = {}
        if self._account is not None:
            env["HOME"] = self._account.pw_dir
            kwargs = {"user": self._account.pw_uid, "group": self._account.pw_gid, "extra_groups": []}
        result = subprocess.run(command, cwd=self.directory, env=env, input=input, capture_output=True, text=True,
                                timeout=START_SECONDS + 30, check=False, **kwargs)  # fmt: skip
        if check and result.returncode != 0:
            raise RuntimeError(
                f"{Path(command[0]).name} failed ({result.returncode}): "
                f"{result.stdout[-2000:]}{result.stderr[-2000:]}"
                f"\n--- {self.log} (tail) ---\n{self._log_tail()}"
            )
        return result

    def _log_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-3000:]
        except OSError:
            return "(no log)"

    def _hand_over(self, *paths: Path) -> None:
        """As root: give the paths to the `postgres` user, and check it can reach them through their parents."""
        if self._account is None:
            return
        for path in paths:
            os.chown(path, self._account.pw_uid, self._account.pw_gid)
        for parent in self.directory.resolve().parents:
            if not parent.stat().st_mode & 0o001:
                raise RuntimeError(
                    f"the {SYSTEM_USER} user cannot reach {self.directory}: {parent} is not searchable by others "
                    "(let PostgresServer() make its own directory in /tmp)"
                )

    def _initdb(self) -> None:
        self.socket_dir.mkdir(mode=0o700, exist_ok=True)
        self._hand_over(self.directory, self.socket_dir)
        self._run([self._program("initdb"), "-D", str(self.data), "-U", SUPERUSER, "--auth-local=trust",
                   "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync",
                   "--no-instructions"])  # fmt: skip
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.socket_dir}'",
            "unix_socket_permissions": "0700",
            "password_encryption": "'scram-sha-256'",
            "max_connections": "100",
            "shared_buffers": "'16MB'",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "log_min_messages": "'warning'",
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("\n# tests/postgres.py\n" + "".join(f"{k} = {v}\n" for k, v in settings.items()))
        # Whole file, not initdb's: the superuser over the private socket only; every TCP login by password.
        (self.data / "pg_hba.conf").write_text(
            f"local all {SUPERUSER} trust\nhost all all 127.0.0.1/32 scram-sha-256\n"
        )

    def _start_on(self, port: int) -> None:
        try:
            self._run([self._program("pg_ctl"), "start", "-D", str(self.data), "-l", str(self.log), "-w",
                       "-t", str(START_SECONDS), "-o", f"-p {port}"])  # fmt: skip
        except RuntimeError:  # a server still starting when the wait ran out must not outlive us
            self._pg_ctl_stop("immediate")
            raise

    def _pg_ctl_stop(self, mode: str) -> bool:
        """pg_ctl stop in `mode`, waiting up to START_SECONDS; True when the server is down."""
        stop = ["stop", "-D", str(self.data), "-m", mode, "-w", "-t", str(START_SECONDS)]
        return self._run([self._program("pg_ctl"), *stop], check=False).returncode == 0

    def _create_role_and_database(self) -> None:
        secret = self.password.replace("'", "''")
        script = (
            f"CREATE ROLE {self.user} LOGIN PASSWORD '{secret}';\n"
            f"CREATE DATABASE {self.database} OWNER {self.user};\n"
        )
        self._run([self._program("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(self.socket_dir),
                   "-p", str(self.port), "-U", SUPERUSER, "-d", "postgres", "-f", "-"], input=script)  # fmt: skip
