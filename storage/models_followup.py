"""Tables of the plan's follow-up: milestones (milstolpar) and budget lines.

Both come from the configuration (`[[plan.milestones]]`, `[[plan.budget]]`; storage/sync.py)
and are deactivated, never deleted, when they leave it. That a milestone is done is not the
configuration's: `done_at` and `done_by` are set in chat (`milstolpe klar`) and a sync keeps
them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class Milestone(Base):
    __tablename__ = "milestones"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    due: Mapped[date] = mapped_column(Date, index=True)
    activity_code: Mapped[str | None] = mapped_column(ForeignKey("activities.code"))
    goal_area_code: Mapped[str | None] = mapped_column(ForeignKey("goal_areas.code"))
    # As configured; empty: the activity's (or the goal area's, or the plan's) owners.
    owners: Mapped[list[Any]] = mapped_column(default=list)
    remind_days_before: Mapped[int] = mapped_column(Integer, default=14)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    done_at: Mapped[datetime | None] = mapped_column()
    done_by: Mapped[str | None] = mapped_column(ForeignKey("people.id"))


class BudgetLine(Base):
    __tablename__ = "budget_lines"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    budget_tkr: Mapped[float] = mapped_column(Float)
    funding: Mapped[str] = mapped_column(String(200))
    activity_code: Mapped[str | None] = mapped_column(ForeignKey("activities.code"))
    goal_area_code: Mapped[str | None] = mapped_column(ForeignKey("goal_areas.code"))
    note: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
