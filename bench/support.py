"""What every benchmark needs: a free port, and a database of its own on the PostgreSQL server."""

import asyncio
import contextlib
import socket
import time
import uuid

import asyncpg
from sqlalchemy.engine import make_url


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def on_server(server_url: str, statement: str) -> None:
    server = make_url(server_url).set(drivername="postgresql", database="postgres")
    connection = await asyncpg.connect(server.render_as_string(hide_password=False))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def fresh_database(server_url: str) -> str:
    """A new database on the PostgreSQL server, dropped at the end: the bench owns all rows."""
    name = f"handover_bench_{uuid.uuid4().hex[:10]}"
    asyncio.run(on_server(server_url, f'CREATE DATABASE "{name}"'))
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_database(server_url: str, url: str) -> None:
    statement = f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'
    asyncio.run(on_server(server_url, statement))


def settle(dsn: str) -> float:
    """VACUUM (ANALYZE) the whole database and write a checkpoint, so that the cleanup of rows a
    setup phase just wrote (the seed, the first polls' 10,000 documents) does not run, as
    autovacuum and the checkpointer would, inside a measured run. Returns the seconds it took."""

    async def run() -> None:
        connection = await asyncpg.connect(dsn)
        try:
            await connection.execute("VACUUM (ANALYZE)")
            with contextlib.suppress(asyncpg.InsufficientPrivilegeError):
                await connection.execute("CHECKPOINT")  # a superuser's or pg_checkpoint's
        finally:
            await connection.close()

    started = time.perf_counter()
    asyncio.run(run())
    return time.perf_counter() - started
