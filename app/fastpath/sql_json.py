"""A response model's JSON, written by PostgreSQL byte for byte as pydantic would write it.

For a lean read that returns many rows (app/fastpath/changes.py, the change list): decoding each
row's columns into Python objects, validating them into models and dumping those again costs
more than the statement. PostgreSQL can instead write each item's JSON text, and the page is
then one string. The text must be the one `model_dump_json` gives, since the routes' answers
and the lean ones are compared byte for byte (tests/fastpath/test_change_polls.py):

- compact, in the model's field order, so concatenated rather than `json_build_object`, which
  writes `"key" : value` with spaces;
- strings through `to_json`, whose escapes (`\\"`, `\\\\`, `\\n`, `\\t`, `\\u0001`, UTF-8 kept)
  are pydantic's;
- date-times in UTC as `2026-12-02T05:20:00.123456Z`, the fraction left out when it is zero;

A field of a type not known here fails at import, so a new field cannot drift unnoticed.
"""

import json
import types
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Union, get_args, get_origin
from uuid import UUID

from pydantic import BaseModel

# Six places of fraction, then none where they are all zero: one `to_char` per value.
_MOMENT = (
    "('\"' || replace(to_char({c} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), "
    "'.000000', '') || 'Z\"')"
)


def _quoted(column: str) -> str:
    """A value whose text needs no escape (a UUID, an enumeration's value), in quotes."""
    return f"('\"' || ({column})::text || '\"')"


def _plain(kind: type[StrEnum]) -> bool:
    return all(json.dumps(member.value) == f'"{member.value}"' for member in kind)


def _scalar(column: str, kind: Any) -> str:
    """The SQL of one non-null value's JSON text."""
    if kind is bool:
        return f"(CASE WHEN {column} THEN 'true' ELSE 'false' END)"
    if kind is int:
        return f"({column})::text"
    if kind is UUID or (isinstance(kind, type) and issubclass(kind, StrEnum) and _plain(kind)):
        return _quoted(column)
    if kind is str or (isinstance(kind, type) and issubclass(kind, StrEnum)):
        return f"to_json(({column})::text)::text"
    if kind is datetime:
        return _MOMENT.format(c=column)
    if kind is date:
        return f"('\"' || to_char({column}, 'YYYY-MM-DD') || '\"')"
    raise TypeError(f"no JSON written in SQL for {kind!r}")


def value_sql(column: str, annotation: Any) -> str:
    """The SQL of a column's JSON text: `null` where the field is optional and the column is."""
    if get_origin(annotation) in (Union, types.UnionType):
        (kind,) = [arg for arg in get_args(annotation) if arg is not type(None)]
        return f"coalesce({_scalar(column, kind)}, 'null')"
    return _scalar(column, annotation)


def object_sql(model: type[BaseModel], table: str, composed: dict[str, str]) -> str:
    """The SQL of a row's JSON object as `model` dumps it: each field from the column of its
    name in `table`, or from the SQL given for it in `composed`."""
    parts = []
    for number, (name, field) in enumerate(model.model_fields.items()):
        value = composed.get(name) or value_sql(f"{table}.{name}", field.annotation)
        opening = "{" if number == 0 else ","
        parts.append(f"'{opening}\"{name}\":' || {value}")
    return "(" + " || ".join(parts) + " || '}')"
