"""How `HANDOVER_DATABASE_URL` is read: the async driver added, and a PostgreSQL URL's query
split between what SQLAlchemy, asyncpg and libpq each take.

A URL copied from a managed PostgreSQL carries libpq's parameters (`?sslmode=require`,
`sslrootcert=…`, `application_name=…`), which SQLAlchemy would hand asyncpg as keyword arguments
it does not take. They go to asyncpg as a DSN instead, which asyncpg reads as libpq does (a key
it does not know becomes a session setting). asyncpg's own arguments stay arguments, as numbers
where asyncpg wants numbers; libpq's `connect_timeout` is asyncpg's `timeout`. The libpq options
asyncpg cannot honour are refused when the settings are read: sent on, PostgreSQL would refuse
them as unknown settings at the first connection, and dropped, `channel_binding=require` would
quietly protect less than it says. The engine, the migrations and the fast path's pools all
connect through `engine_url`.
"""

import inspect
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import URL, make_url

# What SQLAlchemy's asyncpg dialect hands asyncpg as keyword arguments: asyncpg's own and the
# dialect's statement cache size. Any other key of a URL's query is libpq's.
_ARGUMENTS = frozenset(inspect.signature(asyncpg.connect).parameters) | {
    "prepared_statement_cache_size"
}
# asyncpg's arguments that are numbers or flags, as a URL's text would otherwise reach them.
_VALUES: dict[str, Any] = {
    "timeout": float,
    "command_timeout": float,
    "statement_cache_size": int,
    "max_cached_statement_lifetime": int,
    "max_cacheable_statement_size": int,
    "direct_tls": lambda value: value.lower() in ("1", "true", "yes", "on"),
}
_LIBPQ_NAMES = {"connect_timeout": "timeout"}
UNSUPPORTED = frozenset(
    {
        "channel_binding",
        "gssencmode",
        "hostaddr",
        "keepalives",
        "keepalives_count",
        "keepalives_idle",
        "keepalives_interval",
        "load_balance_hosts",
        "require_auth",
        "requiressl",
        "tcp_user_timeout",
    }
)


def async_database_url(url: str) -> str:
    """Add the async driver a plain URL leaves out (`postgresql://` → asyncpg, SQLite → aiosqlite).

    Both databases go through SQLAlchemy's async engine, so every query has one code path.
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres") and parsed.drivername != "postgresql+asyncpg":
        parsed = parsed.set(drivername="postgresql+asyncpg")
    elif backend == "sqlite" and parsed.drivername != "sqlite+aiosqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    return parsed.render_as_string(hide_password=False)


def engine_url(url: str) -> tuple[URL, dict[str, Any]]:
    """The URL SQLAlchemy's engine connects to, and the `connect_args` it needs beside it.
    Raises ValueError for a query asyncpg cannot honour (see the module's docstring)."""
    parsed = make_url(async_database_url(url))
    if parsed.get_backend_name() != "postgresql":
        return parsed, {}
    unsupported = sorted(UNSUPPORTED.intersection(parsed.query))
    if unsupported:
        raise ValueError(
            f"the URL's {', '.join(unsupported)} cannot be honoured by asyncpg, the driver the "
            "service connects with: remove it (TLS is sslmode=…, sslrootcert=…)"
        )
    connect_args: dict[str, Any] = {}
    libpq: dict[str, Any] = {}
    for key, value in parsed.query.items():
        name = _LIBPQ_NAMES.get(key, key)
        if name in _VALUES and isinstance(value, str):
            try:
                connect_args[name] = _VALUES[name](value)
            except ValueError:
                raise ValueError(f"the URL's {key}={value} is not a number") from None
        elif name not in _ARGUMENTS:
            libpq[key] = value
    if libpq:
        connect_args["dsn"] = URL.create("postgresql", query=libpq).render_as_string()
    moved = [*libpq, *(key for key in parsed.query if _LIBPQ_NAMES.get(key, key) in connect_args)]
    return parsed.difference_update_query(moved), connect_args


def asyncpg_arguments(url: str) -> dict[str, Any]:
    """What the engine's dialect passes to `asyncpg.connect` for `url`, for a pool of asyncpg's
    own (app/fastpath/pools.py) that must reach the database as the engine does."""
    parsed, connect_args = engine_url(url)
    _, arguments = parsed.get_dialect()().create_connect_args(parsed)
    arguments.pop("prepared_statement_cache_size", None)
    return {**arguments, **connect_args}


# The files a PostgreSQL URL may name (libpq's parameters, read by asyncpg).
_FILES = ("sslrootcert", "sslcert", "sslkey", "sslcrl", "passfile")


def missing_files(url: str) -> list[str]:
    """The URL's file parameters whose file is not there, as `key=path`: asyncpg's error for
    one names no file."""
    named = {key: value for key, value in make_url(url).query.items() if isinstance(value, str)}
    return [
        f"{key}={named[key]}"
        for key in _FILES
        if key in named and not Path(named[key]).expanduser().exists()
    ]
