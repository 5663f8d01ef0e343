"""The PostgreSQL harness (tests/postgres.py) does what the store's tests rely on: a real server on loopback that
takes the `registry` login by password only, refuses a wrong one, and keeps its data across stop() and start()."""

from __future__ import annotations

import asyncpg
import pytest

from .postgres import PostgresServer

pytestmark = pytest.mark.anyio


async def test_the_url_logs_in_as_an_ordinary_owner_of_its_database(postgres: PostgresServer) -> None:
    conn = await asyncpg.connect(postgres.url)
    try:
        row = await conn.fetchrow(
            "SELECT current_user AS who, current_database() AS db, inet_server_addr()::text AS addr, "
            "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS super"
        )
        await conn.execute(
            "CREATE TABLE probe (n int)"
        )  # the owner may create tables in public (PostgreSQL 15+)
    finally:
        await conn.close()
    assert (row["who"], row["db"], row["addr"], row["super"]) == (
        "registry",
        "registry",
        "127.0.0.1/32",
        False,
    )


async def test_a_wrong_or_missing_password_is_refused(postgres: PostgresServer) -> None:
    with pytest.raises(asyncpg.InvalidPasswordError):
        await asyncpg.connect(postgres.url_with_password("not-the-password"))
    # No trust on TCP, not even for the bootstrap superuser.
    with pytest.raises((asyncpg.InvalidPasswordError, asyncpg.InvalidAuthorizationSpecificationError)):
        await asyncpg.connect(host="127.0.0.1", port=postgres.port, user="postgres", database="postgres",
                              password="")  # fmt: skip


async def test_data_survives_stop_and_start_on_the_same_url(postgres: PostgresServer) -> None:
    url = postgres.url
    conn = await asyncpg.connect(url)
    await conn.execute("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('before the restart')")
    postgres.stop()
    with pytest.raises((OSError, asyncpg.PostgresConnectionError, asyncpg.AdminShutdownError)):
        await conn.fetchval("SELECT 1")  # the fast shutdown ended the open connection
    with pytest.raises(OSError):
        await asyncpg.connect(url, timeout=5)  # nothing listens while it is down
    postgres.start()
    assert postgres.url == url
    conn = await asyncpg.connect(url)
    try:
        assert await conn.fetchval("SELECT v FROM kept") == "before the restart"
    finally:
        await conn.close()


def test_cleanup_stops_the_server_and_removes_its_directory(postgres: PostgresServer) -> None:
    directory = postgres.directory
    assert (directory / "data" / "PG_VERSION").exists() and postgres.running
    postgres.cleanup()
    assert not directory.exists() and not postgres.running
    postgres.cleanup()  # twice is harmless: the fixture calls it again
