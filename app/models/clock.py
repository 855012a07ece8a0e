"""Crossings of time-based conditions, each raised once."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import Identified, timestamp_field, utcnow


class ClockCrossing(Identified, table=True):
    """One row per (aggregate, event type, crossing) that has raised its event: the unique key
    makes the sweep and the write path raise each crossing once, whoever sees it first.

    `crossing` names the moment crossed: the due or review date, or the meeting's start."""

    __tablename__ = "clock_crossings"
    __table_args__ = (UniqueConstraint("aggregate_id", "event_type", "crossing"),)

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE", index=True)
    aggregate_id: UUID
    event_type: str = Field(max_length=64)
    crossing: str = Field(max_length=64)
    raised_at: datetime = timestamp_field(default_factory=utcnow)


class CadenceNextCheck(SQLModel, table=True):
    """When the clock must next expand a cadence: its first occurrence after the window the
    last sweep looked at. Sweeps expand only the cadences that are due (or changed since, by
    `cadence_version`, or never looked at), not every cadence of every project each round.

    The clock's own bookkeeping: it is no part of the cadence, so keeping it moves neither the
    cadence's version nor anything a PM tool polls."""

    __tablename__ = "cadence_next_checks"

    cadence_id: UUID = Field(
        foreign_key="meeting_cadences.id", ondelete="CASCADE", primary_key=True
    )
    cadence_version: int
    check_after: datetime = timestamp_field()
