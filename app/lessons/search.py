"""Full-text search over lessons with the database's own engine, ranked.

PostgreSQL: `to_tsvector('english', …)` of the texts, the expression the migration indexes
with GIN (keep the two identical, or the index is not used), queried with `plainto_tsquery`
and ranked by `ts_rank`. SQLite: the FTS5 table `lesson_search` (Porter stemming) that triggers
keep in step, queried with every word of the search and ranked by `bm25`. Both find lessons
holding every word (in any form of it: `estimates` finds `estimation`), best match first;
what a user types is words, never query syntax. (PostgreSQL also ignores English stop words.)

Each match comes with its `rank` (higher is better: `ts_rank`, or `bm25` negated) and a
`snippet`, the passage that matched with the matched words between `**` (`ts_headline`, FTS5's
`snippet`), computed for the returned rows only.
"""

import re
from typing import Any

from sqlalchemy import ColumnClause, Select, column, func, literal_column, table, text
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Lesson

_TEXT = (
    "lessons.title || ' ' || lessons.what_happened || ' ' || lessons.why || ' ' "
    "|| lessons.next_time"
)
DOCUMENT: ColumnClause[Any] = literal_column(f"to_tsvector('english'::regconfig, {_TEXT})")
MARK = "**"
_HEADLINE = (
    f"StartSel={MARK}, StopSel={MARK}, MaxWords=24, MinWords=8, MaxFragments=2, "
    'FragmentDelimiter=" … "'
)
_SQLITE_RANK: ColumnClause[Any] = literal_column("-bm25(lesson_search)")
_SQLITE_SNIPPET: ColumnClause[Any] = literal_column(
    f"snippet(lesson_search, -1, '{MARK}', '{MARK}', '…', 24)"
)
_SQLITE_INDEX = table("lesson_search", column("lesson_id"))
_WORD = re.compile(r"\w+")


def sqlite_query(words: str) -> str | None:
    """An FTS5 query holding every word of the search as a quoted term (so that nothing a user
    types is read as FTS5 syntax); None when it has no word at all."""
    terms = _WORD.findall(words)
    return " ".join(f'"{term}"' for term in terms) if terms else None


def ranked(session: AsyncSession, statement: Select[Any], words: str) -> Select[Any] | None:
    """`statement` (over lessons) narrowed to the matches of `words`, best first, with two more
    columns: `rank` and `snippet`; None when nothing can match."""
    if session.get_bind().dialect.name == "postgresql":
        english: ColumnClause[Any] = literal_column("'english'::regconfig")
        query = func.plainto_tsquery(english, words)
        rank = func.ts_rank(DOCUMENT, query)
        snippet = func.ts_headline(english, literal_column(_TEXT), query, _HEADLINE)
        return (
            statement.add_columns(rank.label("rank"), snippet.label("snippet"))
            .where(DOCUMENT.op("@@")(query))
            .order_by(rank.desc(), col(Lesson.id))
        )
    terms = sqlite_query(words)
    if terms is None:
        return None
    return (
        statement.add_columns(_SQLITE_RANK.label("rank"), _SQLITE_SNIPPET.label("snippet"))
        .join(_SQLITE_INDEX, _SQLITE_INDEX.c.lesson_id == col(Lesson.id))
        .where(text("lesson_search MATCH :terms").bindparams(terms=terms))
        .order_by(text("bm25(lesson_search)"), col(Lesson.id))
    )
