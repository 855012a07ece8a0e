"""A listing's optional filters: each one the client sent narrows the statement, one it left
out (None) does not."""

from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy import Select

StatementT = TypeVar("StatementT", bound=Select[Any])


def where_given(
    statement: StatementT,
    equal: Mapping[Any, Any] | None = None,
    *,
    at_least: Mapping[Any, Any] | None = None,
    at_most: Mapping[Any, Any] | None = None,
) -> StatementT:
    """`column == value`, `column >= value` and `column <= value` for each column whose value
    was given: `where_given(statement, {Risk.project_id: project_id},
    at_least={Risk.updated_at: updated_since})`."""
    for column, value in (equal or {}).items():
        if value is not None:
            statement = statement.where(column == value)
    for column, value in (at_least or {}).items():
        if value is not None:
            statement = statement.where(column >= value)
    for column, value in (at_most or {}).items():
        if value is not None:
            statement = statement.where(column <= value)
    return statement
