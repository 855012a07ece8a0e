"""A small SOQL evaluator for the Salesforce fake: enough for the queries a client plausibly writes.

Evaluates what `soql_syntax.py` parses against the fake's schema and rows, as the SOQL and SOSL
Reference describes: names are case-insensitive and answers use the schema's spelling; parent
paths become nested records (null when the lookup is empty), child subqueries
`{"totalSize", "done", "records"}` (null when empty); text comparisons are case-insensitive and ids
match on their first 15 characters; `ASC` sorts put nulls first, `DESC` last. Errors use
Salesforce's codes: `INVALID_TYPE` for an unknown object or child relationship, `INVALID_FIELD`
for an unknown field or relationship and for a literal of the wrong type (a quoted date-time, say),
`INVALID_QUERY_FILTER_OPERATOR` for an id that is not one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, Protocol

from tests.crm.fakes.soql_syntax import (
    Condition,
    Literal,
    Logical,
    Path,
    Query,
    SoqlError,
    parse,
    syntax_error,
)

__all__ = ["Child", "FieldDef", "Parent", "Records", "SObjectType", "SoqlError", "run"]

NO_SUCH_COLUMN = (
    "No such column '{name}' on entity '{entity}'. If you are attempting to use a custom field, be"
    " sure to append the '__c' after the custom field name. Please reference your WSDL or the"
    " describe call for the appropriate names."
)
NO_SUCH_RELATIONSHIP = (
    "Didn't understand relationship '{name}' in {where}. If you are attempting to use a custom"
    " relationship, be sure to append the '__r' after the custom relationship name. Please"
    " reference your WSDL or the describe call for the appropriate names."
)
NO_SUCH_OBJECT = (
    "sObject type '{name}' is not supported. If you are attempting to use a custom object, be sure"
    " to append the '__c' after the entity name. Please reference your WSDL or the describe call"
    " for the appropriate names."
)
SOQL_KINDS = {"number": "double", "datetime": "dateTime", "date": "date", "boolean": "boolean"}


# -- schema and data --------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldDef:
    name: str
    kind: str  # id, string, boolean, number, date, datetime


@dataclass(frozen=True)
class Parent:
    name: str  # the relationship: "Owner"
    key: str  # the lookup field: "OwnerId"
    target: str  # the object: "User"


@dataclass(frozen=True)
class Child:
    name: str  # the relationship: "OpportunityLineItems"
    source: str  # the object: "OpportunityLineItem"
    key: str  # its lookup field: "OpportunityId"


@dataclass(frozen=True)
class SObjectType:
    name: str
    fields: Mapping[str, FieldDef]  # keyed by lower-cased name, as are the two below
    parents: Mapping[str, Parent]
    children: Mapping[str, Child]


class Records(Protocol):
    def rows(self, sobject: str) -> list[dict[str, Any]]: ...

    def row(self, sobject: str, record_id: str) -> dict[str, Any] | None: ...


# -- evaluation -------------------------------------------------------------------------------


def salesforce_datetime(moment: datetime) -> str:
    """A date-time as the REST API prints it: `2026-12-05T10:00:00.000+0000`."""
    moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}+0000"


def run(
    text: str, schema: Mapping[str, SObjectType], data: Records, version: str
) -> tuple[int, list[dict[str, Any]]]:
    """(totalSize, records) of a query, or SoqlError."""
    query = parse(text)
    return _Evaluator(text, schema, data, version).run(query)


class _Evaluator:
    def __init__(
        self, text: str, schema: Mapping[str, SObjectType], data: Records, version: str
    ) -> None:
        self.text, self.schema, self.data, self.version = text, schema, data, version

    def run(self, query: Query) -> tuple[int, list[dict[str, Any]]]:
        sobject = self.schema.get(query.source.lower())
        if sobject is None:
            raise self.error(
                "INVALID_TYPE", NO_SUCH_OBJECT.format(name=query.source), query.source_position
            )
        rows = self.select(sobject, query, self.data.rows(sobject.name))
        if query.count:
            return len(rows), []
        return len(rows), [self.render(sobject, row, query.items) for row in rows]

    def select(
        self, sobject: SObjectType, query: Query, rows: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """The rows of `query`, filtered, ordered and cut; checks every name and literal first."""
        for item in query.items:
            if isinstance(item, Path):
                self.resolve(sobject, item)
            else:
                self.child(sobject, item)
        if query.where is not None:
            self.check(sobject, query.where)
            rows = [row for row in rows if self.test(sobject, row, query.where)]
        for order in reversed(query.order):
            chain, field = self.resolve(sobject, order.path)
            nulls = 0 if order.nulls_first != order.descending else 2
            rows.sort(key=self.sort_key(chain, field, nulls), reverse=order.descending)
        rows = rows[query.offset :]
        return rows if query.limit is None else rows[: query.limit]

    def render(
        self, sobject: SObjectType, row: dict[str, Any], items: Sequence[Path | Query]
    ) -> dict[str, Any]:
        record: dict[str, Any] = {"attributes": self.attributes(sobject, row)}
        for item in items:
            if isinstance(item, Path):
                chain, field = self.resolve(sobject, item)
                self.place(record, row, chain, field)
                continue
            child = self.child(sobject, item)
            source = self.schema[child.source.lower()]
            linked = [
                r for r in self.data.rows(source.name) if _same_id(r.get(child.key), row["Id"])
            ]
            children = self.select(source, item, linked)
            record[child.name] = (
                {
                    "totalSize": len(children),
                    "done": True,
                    "records": [self.render(source, r, item.items) for r in children],
                }
                if children
                else None
            )
        return record

    def place(
        self, record: dict[str, Any], row: dict[str, Any], chain: Sequence[Parent], field: FieldDef
    ) -> None:
        if not chain:
            record[field.name] = _json(row.get(field.name))
            return
        parent = chain[0]
        target = self.follow(row, parent)
        if target is None:
            record.setdefault(parent.name, None)
            return
        nested = record.get(parent.name) or {
            "attributes": self.attributes(self.schema[parent.target.lower()], target)
        }
        record[parent.name] = nested
        self.place(nested, target, chain[1:], field)

    def sort_key(
        self, chain: Sequence[Parent], field: FieldDef, nulls: int
    ) -> Callable[[dict[str, Any]], tuple[int, Any]]:
        return lambda row: _sort_key(self.value(row, chain, field), field, nulls)

    def attributes(self, sobject: SObjectType, row: dict[str, Any]) -> dict[str, str]:
        url = f"/services/data/v{self.version}/sobjects/{sobject.name}/{row['Id']}"
        return {"type": sobject.name, "url": url}

    def resolve(self, sobject: SObjectType, path: Path) -> tuple[list[Parent], FieldDef]:
        chain, current, position = [], sobject, path.position
        for part in path.parts[:-1]:
            parent = current.parents.get(part.lower())
            if parent is None:
                message = NO_SUCH_RELATIONSHIP.format(name=part, where="field path")
                raise self.error("INVALID_FIELD", message, position)
            chain.append(parent)
            current = self.schema[parent.target.lower()]
            position += len(part) + 1
        field = current.fields.get(path.parts[-1].lower())
        if field is None:
            message = NO_SUCH_COLUMN.format(name=path.parts[-1], entity=current.name)
            raise self.error("INVALID_FIELD", message, path.position)
        return chain, field

    def child(self, sobject: SObjectType, query: Query) -> Child:
        child = sobject.children.get(query.source.lower())
        if child is None:
            message = NO_SUCH_RELATIONSHIP.format(
                name=query.source, where="FROM part of query call"
            )
            raise self.error("INVALID_TYPE", message, query.source_position)
        return child

    def follow(self, row: dict[str, Any], parent: Parent) -> dict[str, Any] | None:
        key = row.get(parent.key)
        return self.data.row(parent.target, key) if key else None

    def value(self, row: dict[str, Any] | None, chain: Sequence[Parent], field: FieldDef) -> Any:
        for parent in chain:
            row = self.follow(row, parent) if row is not None else None
        return None if row is None else row.get(field.name)

    def check(self, sobject: SObjectType, condition: Condition) -> None:
        """Every field known, every literal of its field's type, as Salesforce checks them."""
        if isinstance(condition, Logical):
            for part in condition.parts:
                self.check(sobject, part)
            return
        _, field = self.resolve(sobject, condition.path)
        for literal in condition.values:
            self.check_literal(field, condition.operator, literal)

    def check_literal(self, field: FieldDef, operator: str, literal: Literal) -> None:
        if literal.kind == "null":
            if operator not in ("=", "!=", "IN", "NOT IN"):
                raise self.error("MALFORMED_QUERY", "unexpected token: null", literal.position)
            return
        accepted = {
            "id": ("string",),
            "string": ("string",),
            "boolean": ("boolean",),
            "number": ("number",),
            "date": ("date", "range"),
            "datetime": ("datetime", "range"),
        }[field.kind]
        if literal.kind not in accepted:
            kind = SOQL_KINDS.get(field.kind, "string")
            quotes = "should be" if kind == "string" else "should not be"
            message = (
                f"value of filter criterion for field '{field.name}' must be of type {kind}"
                f" and {quotes} enclosed in quotes"
            )
            raise self.error("INVALID_FIELD", message, literal.position)
        if field.kind == "id" and not re.fullmatch(
            r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?", literal.value
        ):
            raise self.error(
                "INVALID_QUERY_FILTER_OPERATOR",
                f"invalid ID field: {literal.value}",
                literal.position,
            )
        if operator == "LIKE" and field.kind != "string":
            raise self.error(
                "INVALID_FIELD", f"invalid operator on {field.kind} field: LIKE", literal.position
            )

    def test(self, sobject: SObjectType, row: dict[str, Any], condition: Condition) -> bool:
        if isinstance(condition, Logical):
            results = (self.test(sobject, row, part) for part in condition.parts)
            if condition.operator == "NOT":
                return not next(results)
            return all(results) if condition.operator == "AND" else any(results)
        chain, field = self.resolve(sobject, condition.path)
        actual = self.value(row, chain, field)
        if condition.operator == "IN":
            return any(_compare(field, actual, "=", v) for v in condition.values)
        if condition.operator == "NOT IN":
            return not any(_compare(field, actual, "=", v) for v in condition.values)
        return _compare(field, actual, condition.operator, condition.values[0])

    def error(self, code: str, detail: str, position: int) -> SoqlError:
        return syntax_error(self.text, code, detail, position)


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return salesforce_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _same_id(left: object, right: object) -> bool:
    return isinstance(left, str) and isinstance(right, str) and left[:15] == right[:15]


def _normal(field: FieldDef, value: Any) -> Any:
    if field.kind == "id":
        return str(value)[:15]
    if field.kind == "string":
        return str(value).casefold()
    if field.kind == "number":
        return float(value)
    if field.kind == "datetime" and isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time(), UTC)
    return value


def _compare(field: FieldDef, actual: Any, operator: str, literal: Literal) -> bool:
    if literal.kind == "null" or actual is None:
        same = literal.kind == "null" and actual is None
        return same if operator == "=" else (not same if operator == "!=" else False)
    if literal.kind == "range":
        start: datetime = literal.value[0]
        end: datetime = literal.value[1]
        moment: datetime = (
            actual if isinstance(actual, datetime) else datetime.combine(actual, time(), UTC)
        )
        inside = bool(start <= moment < end)
        return {
            "=": inside,
            "!=": not inside,
            ">": moment >= end,
            ">=": moment >= start,
            "<": moment < start,
            "<=": moment < end,
        }[operator]
    left, right = _normal(field, actual), _normal(field, literal.value)
    if operator == "LIKE":
        pattern = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in right)
        return re.fullmatch(pattern, left, re.DOTALL) is not None
    return bool(
        {
            "=": lambda: left == right,
            "!=": lambda: left != right,
            "<": lambda: left < right,
            "<=": lambda: left <= right,
            ">": lambda: left > right,
            ">=": lambda: left >= right,
        }[operator]()
    )


def _sort_key(value: Any, field: FieldDef, nulls: int) -> tuple[int, Any]:
    if value is None:
        return (nulls, "")
    return (1, _normal(field, value))
