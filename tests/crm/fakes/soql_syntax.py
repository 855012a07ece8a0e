"""SOQL's syntax for the Salesforce fake: tokens, the parsed query, and Salesforce's error texts.

Parses what `soql.py` evaluates: `SELECT` of fields, parent paths, child subqueries and `COUNT()`;
`FROM` one object; `WHERE` with `AND` / `OR` / `NOT` and parentheses over `=`, `!=`, `<>`, `<`,
`<=`, `>`, `>=`, `IN`, `NOT IN` and `LIKE`; SOQL's literals (quoted strings, numbers, `true`,
`false`, `null`, unquoted dates and date-times, `TODAY`, `YESTERDAY`, `LAST_N_DAYS:n`);
`ORDER BY ... ASC|DESC NULLS FIRST|LAST`; `LIMIT`; `OFFSET` (SOQL and SOSL Reference). A syntax
error is `MALFORMED_QUERY` "unexpected token: ..."; every error message quotes the query around
the error with a caret and `ERROR at Row:r:Column:c`, as Salesforce's do (where Salesforce cuts
that quote is approximated).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any


class SoqlError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Token:
    kind: str  # string, datetime, date, number, op, punct, word, eof
    text: str
    position: int


@dataclass(frozen=True)
class Path:
    parts: tuple[str, ...]
    position: int


@dataclass(frozen=True)
class Literal:
    kind: str  # string, number, boolean, null, datetime, date, range
    value: Any
    position: int


@dataclass(frozen=True)
class Comparison:
    path: Path
    operator: str  # = != < <= > >= IN NOT IN LIKE
    values: tuple[Literal, ...]


@dataclass(frozen=True)
class Logical:
    operator: str  # AND, OR, NOT
    parts: tuple[Condition, ...]


Condition = Comparison | Logical


@dataclass(frozen=True)
class Order:
    path: Path
    descending: bool
    nulls_first: bool


@dataclass(frozen=True)
class Query:
    items: tuple[Path | Query, ...]
    count: bool
    source: str
    source_position: int
    where: Condition | None
    order: tuple[Order, ...]
    limit: int | None
    offset: int


TOKENS = re.compile(
    r"""(?P<space>\s+)
    |(?P<string>'(?:[^'\\]|\\.)*')
    |(?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2}))
    |(?P<date>\d{4}-\d{2}-\d{2})
    |(?P<number>-?\d+(?:\.\d+)?)
    |(?P<op><=|>=|!=|<>|=|<|>)
    |(?P<punct>[(),])
    |(?P<word>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*(?::\d+)?)""",
    re.VERBOSE,
)


def tokenize(text: str) -> list[Token]:
    tokens, position = [], 0
    while position < len(text):
        match = TOKENS.match(text, position)
        if match is None:
            raise syntax_error(
                text, "MALFORMED_QUERY", f"unexpected token: {text[position]}", position
            )
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(Token(kind, match.group(), position))
        position = match.end()
    return [*tokens, Token("eof", "<EOF>", len(text))]


class _Parser:
    def __init__(self, text: str) -> None:
        self.text, self.tokens, self.at = text, tokenize(text), 0

    def query(self, nested: bool = False) -> Query:
        self.keyword("SELECT")
        items: list[Path | Query] = []
        count = self.peek_word("COUNT") and self.tokens[self.at + 1].text == "("
        if count:
            self.at += 1
            self.punct("(")
            self.punct(")")
        while not count:
            if not nested and self.peek().text == "(":
                self.at += 1
                items.append(self.query(nested=True))
                self.punct(")")
            else:
                items.append(self.path())
            if self.peek().text != ",":
                break
            self.at += 1
        self.keyword("FROM")
        source = self.word()
        where = self.condition() if self.accept("WHERE") else None
        order: list[Order] = []
        if self.accept("ORDER"):
            self.keyword("BY")
            order.append(self.order())
            while self.peek().text == ",":
                self.at += 1
                order.append(self.order())
        limit = self.integer() if self.accept("LIMIT") else None
        offset = self.integer() if self.accept("OFFSET") else 0
        if not nested and self.peek().kind != "eof":
            raise self.unexpected()
        return Query(
            tuple(items), count, source.text, source.position, where, tuple(order), limit, offset
        )

    def condition(self) -> Condition:
        parts = [self.conjunction()]
        while self.accept("OR"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Logical("OR", tuple(parts))

    def conjunction(self) -> Condition:
        parts = [self.negation()]
        while self.accept("AND"):
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else Logical("AND", tuple(parts))

    def negation(self) -> Condition:
        if self.accept("NOT"):
            return Logical("NOT", (self.negation(),))
        if self.peek().text == "(":
            self.at += 1
            inner = self.condition()
            self.punct(")")
            return inner
        path = self.path()
        token = self.peek()
        if token.kind == "op":
            self.at += 1
            operator = "!=" if token.text == "<>" else token.text
            return Comparison(path, operator, (self.literal(),))
        negated = self.accept("NOT")
        if self.accept("IN"):
            self.punct("(")
            values = [self.literal()]
            while self.peek().text == ",":
                self.at += 1
                values.append(self.literal())
            self.punct(")")
            return Comparison(path, "NOT IN" if negated else "IN", tuple(values))
        if not negated and self.accept("LIKE"):
            return Comparison(path, "LIKE", (self.literal(),))
        raise self.unexpected()

    def order(self) -> Order:
        path = self.path()
        descending = self.accept("DESC")
        if not descending:
            self.accept("ASC")
        nulls_first = not descending
        if self.accept("NULLS"):
            nulls_first = self.accept("FIRST")
            if not nulls_first:
                self.keyword("LAST")
        return Order(path, descending, nulls_first)

    def literal(self) -> Literal:
        token = self.peek()
        self.at += 1
        upper = token.text.upper()
        if token.kind == "string":
            return Literal("string", _unquote(token.text[1:-1]), token.position)
        if token.kind == "number":
            return Literal("number", float(token.text), token.position)
        if token.kind == "datetime":
            moment = datetime.fromisoformat(token.text.replace("Z", "+00:00"))
            return Literal("datetime", moment.astimezone(UTC), token.position)
        if token.kind == "date":
            return Literal("date", date.fromisoformat(token.text), token.position)
        if token.kind == "word" and upper in ("TRUE", "FALSE"):
            return Literal("boolean", upper == "TRUE", token.position)
        if token.kind == "word" and upper == "NULL":
            return Literal("null", None, token.position)
        if token.kind == "word" and (span := _date_range(upper)) is not None:
            return Literal("range", span, token.position)
        self.at -= 1
        raise self.unexpected()

    def path(self) -> Path:
        token = self.word()
        return Path(tuple(token.text.split(".")), token.position)

    def integer(self) -> int:
        token = self.peek()
        if token.kind != "number" or not token.text.isdigit():
            raise self.unexpected()
        self.at += 1
        return int(token.text)

    def word(self) -> Token:
        token = self.peek()
        if token.kind != "word":
            raise self.unexpected()
        self.at += 1
        return token

    def peek(self) -> Token:
        return self.tokens[self.at]

    def peek_word(self, keyword: str) -> bool:
        token = self.peek()
        return token.kind == "word" and token.text.upper() == keyword

    def accept(self, keyword: str) -> bool:
        if self.peek_word(keyword):
            self.at += 1
            return True
        return False

    def keyword(self, keyword: str) -> None:
        if not self.accept(keyword):
            raise self.unexpected()

    def punct(self, text: str) -> None:
        if self.peek().text != text:
            raise self.unexpected()
        self.at += 1

    def unexpected(self) -> SoqlError:
        token = self.peek()
        return syntax_error(
            self.text, "MALFORMED_QUERY", f"unexpected token: {token.text}", token.position
        )


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def _date_range(word: str) -> tuple[datetime, datetime] | None:
    """SOQL's relative date literals as [start, end), with the org's day in UTC."""
    today = datetime.combine(datetime.now(UTC).date(), time(), UTC)
    day = timedelta(days=1)
    if word == "TODAY":
        return today, today + day
    if word == "YESTERDAY":
        return today - day, today
    if word.startswith("LAST_N_DAYS:") and word[12:].isdigit():
        return today - int(word[12:]) * day, today + day
    return None


def syntax_error(text: str, code: str, detail: str, position: int) -> SoqlError:
    """Salesforce's message: the query around the error, a caret, the row and column, the text."""
    row = text.count("\n", 0, position) + 1
    line_start = text.rfind("\n", 0, position) + 1
    line_end = text.find("\n", position) if "\n" in text[position:] else len(text)
    column = position - line_start + 1
    start = max(line_start, position - 30)
    quoted = text[start : min(line_end, position + 70)]
    caret = " " * (position - start) + "^"
    return SoqlError(code, f"\n{quoted}\n{caret}\nERROR at Row:{row}:Column:{column}\n{detail}")


def parse(text: str) -> Query:
    return _Parser(text).query()
