"""What every table shares: constraint names, UTC timestamps, time-sortable ids, versions."""

import inspect
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar
from uuid import UUID

import uuid6
from sqlalchemy import JSON, BigInteger, DateTime, Enum, Numeric, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import declared_attr
from sqlalchemy.types import TypeEngine
from sqlmodel import Field, SQLModel

# Explicit constraint names, so migrations can name what they drop on every database.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


Make = TypeVar("Make", bound=Callable[[], Any])


def row_default(make: Make) -> Make:
    """Mark a field's default factory with its signature, read once.

    SQLModel fills a new row's unset fields by asking pydantic, field by field and row by row,
    whether the factory takes the row's data: an `inspect.signature` each time, and for a builtin
    such as `list` a parse of its text signature. `inspect.signature` returns a function's own
    `__signature__` first, so a marked factory is asked nothing (`tests/test_models.py` holds
    every table to it).
    """
    make.__signature__ = inspect.signature(make)  # type: ignore[attr-defined]
    return make


@row_default
def utcnow() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """Today in UTC: what "overdue" and "due" are measured against, on every replica alike."""
    return utcnow().date()


@row_default
def new_id() -> UUID:
    """UUIDv7: unique without coordination, and ordered by creation time (stable keyset pages)."""
    value: UUID = uuid6.uuid7()
    return UUID(bytes=value.bytes)


@row_default
def _no_items() -> list[Any]:
    return []


@row_default
def _no_entries() -> dict[str, Any]:
    return {}


def json_list() -> Any:
    """A JSON list column, empty by default."""
    return Field(default_factory=_no_items, sa_type=JSON)


def json_object() -> Any:
    """A JSON object column, empty by default."""
    return Field(default_factory=_no_entries, sa_type=JSON)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on PostgreSQL and on SQLite (which stores no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: pass an aware (UTC) datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def timestamp_field(**kwargs: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kwargs)


class Identified(SQLModel):
    id: UUID = Field(default_factory=new_id, primary_key=True)


class Timestamped(SQLModel):
    created_at: datetime = timestamp_field(default_factory=utcnow)
    updated_at: datetime = timestamp_field(
        default_factory=utcnow, index=True, sa_column_kwargs={"onupdate": utcnow}
    )


class Versioned(SQLModel):
    """`version` grows by one on every UPDATE (SQLAlchemy's version counter) and is the ETag.

    A concurrent writer holding an older version gets no row to update: a 412, not a lost update.
    """

    version: int = Field(default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class Synced(SQLModel):
    """A row of a list PM tools sync (app/core/sync.py): `change_position` says where its last
    write stands in the order they read changes in. The database's triggers write it (the
    writing transaction's id on PostgreSQL, a counter on SQLite), so no write path can forget
    it and Python never sets it."""

    change_position: int | None = Field(default=None, sa_type=BigInteger)


def enum_field(enum: type[StrEnum], **kwargs: Any) -> Any:
    """A StrEnum stored as its value in a VARCHAR: new values need no database type change."""
    column = Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [member.value for member in members],
    )
    return Field(sa_type=column, **kwargs)


class Money(TypeDecorator[Decimal]):
    """An exact amount with two decimals: NUMERIC(16, 2) on PostgreSQL, integer cents on SQLite.

    SQLite's NUMERIC is a float and loses cents beyond 15 significant digits; integer cents stay
    exact and still sort and sum in SQL.
    """

    impl = Numeric(16, 2)
    cache_ok = True
    _CENT = Decimal("0.01")

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return dialect.type_descriptor(BigInteger() if dialect.name == "sqlite" else Numeric(16, 2))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Decimal | int | None:
        if value is None:
            return None
        value = Decimal(value).quantize(self._CENT)
        return int(value * 100) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(value) / 100).quantize(self._CENT)
        return Decimal(value).quantize(self._CENT)
