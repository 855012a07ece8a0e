"""What every benchmark needs: a free port, a database of its own on the PostgreSQL server, and a
place for its results (the tables of bench/README.md are the results' Markdown, pasted by the run
that wrote them, so that the page never shows figures no run produced)."""

import argparse
import asyncio
import contextlib
import json
import os
import re
import socket
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url


def server_argument(parser: argparse.ArgumentParser) -> None:
    """`--database-url`: the PostgreSQL server a benchmark makes its database on."""
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "HANDOVER_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
        help="A PostgreSQL server: the run creates a database of its own there and drops it.",
    )


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


RESULTS = Path(__file__).with_name("results")
README = Path(__file__).with_name("README.md")


def results_block(name: str) -> re.Pattern[str]:
    """Where bench/README.md shows `results/<name>.md`: between two comments that name it."""
    return re.compile(
        rf"(<!-- results/{re.escape(name)}\.md: written by the run -->\n)(.*?)(<!-- end -->)",
        re.S,
    )


def keep_results(name: str, report: dict[str, Any], table: str, folder: Path) -> None:
    """`<name>.json` (everything measured) and `<name>.md` (the table) in `folder`; a run that
    writes to bench/results/ also pastes the table into bench/README.md."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    (folder / f"{name}.md").write_text(table)
    print(f"results: {folder / f'{name}.json'}, {folder / f'{name}.md'}")
    if folder.resolve() == RESULTS.resolve():
        page, pasted = results_block(name).subn(lambda m: m[1] + table + m[3], README.read_text())
        README.write_text(page)
        if not pasted:
            print(f"bench/README.md has no place for results/{name}.md: add its two comments")
