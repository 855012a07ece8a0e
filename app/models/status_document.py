"""The status document PM tools poll, kept in the database as it was last built.

One row per project: the JSON as served, and the (version, day) it was built for. The project's
version grows on every change of the project or its parts, and the day covers what the calendar
alone changes (overdue, health), so a row whose (version, day) is the project's current one is
exactly what a rebuild would give. Any other row is stale and is rebuilt on the next read. Kept
in the database, not in a process, so that every API replica reads what one of them built.
"""

from datetime import date
from uuid import UUID

from sqlalchemy import LargeBinary
from sqlmodel import Field, SQLModel


class StatusDocument(SQLModel, table=True):
    __tablename__ = "project_status_documents"

    project_id: UUID = Field(foreign_key="projects.id", ondelete="CASCADE", primary_key=True)
    version: int
    as_of: date
    document: bytes = Field(sa_type=LargeBinary)
