"""Date arithmetic and scalar min/max in SQL that reads the same on SQLite and PostgreSQL.

The two databases spell these differently (`julianday` and scalar `min`/`max` on SQLite,
date subtraction, `extract(epoch …)` and `least`/`greatest` on PostgreSQL); aggregates over
dates are computed in the database, so the difference is hidden here, once.
"""

from typing import Any

from sqlalchemy import Float, Integer, cast
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ColumnElement, FunctionElement


class days_between(FunctionElement[int]):
    """Whole days from the second date to the first (`later - earlier`)."""

    type = Integer()
    inherit_cache = True


class seconds_between(FunctionElement[float]):
    """Seconds from the second timestamp to the first."""

    type = Float()
    inherit_cache = True


class earlier_of(FunctionElement[Any]):
    """The smaller of two values (scalar, not an aggregate)."""

    inherit_cache = True


class later_of(FunctionElement[Any]):
    """The larger of two values (scalar, not an aggregate)."""

    inherit_cache = True


def _args(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> list[str]:
    return [compiler.process(clause, **kw) for clause in element.clauses]


@compiles(days_between, "sqlite")
def _days_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = _args(element, compiler, **kw)
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


@compiles(days_between, "postgresql")
def _days_postgresql(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = _args(element, compiler, **kw)
    return f"(CAST({later} AS DATE) - CAST({earlier} AS DATE))"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = _args(element, compiler, **kw)
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


@compiles(seconds_between, "postgresql")
def _seconds_postgresql(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = _args(element, compiler, **kw)
    return f"CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS DOUBLE PRECISION)"


@compiles(earlier_of, "sqlite")
def _earlier_sqlite(element: earlier_of, compiler: SQLCompiler, **kw: Any) -> str:
    return f"min({', '.join(_args(element, compiler, **kw))})"


@compiles(earlier_of, "postgresql")
def _earlier_postgresql(element: earlier_of, compiler: SQLCompiler, **kw: Any) -> str:
    return f"least({', '.join(_args(element, compiler, **kw))})"


@compiles(later_of, "sqlite")
def _later_sqlite(element: later_of, compiler: SQLCompiler, **kw: Any) -> str:
    return f"max({', '.join(_args(element, compiler, **kw))})"


@compiles(later_of, "postgresql")
def _later_postgresql(element: later_of, compiler: SQLCompiler, **kw: Any) -> str:
    return f"greatest({', '.join(_args(element, compiler, **kw))})"


def as_float(value: Any) -> ColumnElement[float]:
    """Division in SQL is integer division for integers on both databases: cast first."""
    return cast(value, Float)
