"""Response bodies of the pipeline and practice-health routes."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import (
    BaseModel,
    Field,
)

from app.services.practice_health import TITLES, Check, Light, PracticeHealth, describe


class WeekOut(BaseModel):
    week: date = Field(description="The Monday (UTC) the week starts on")
    mqls: int = Field(description="Leads that became MQL in the week")
    hand_offs: int = Field(description="Hand-offs proposed in the week")


class PipelineOut(BaseModel):
    since: datetime
    until: datetime
    by_lifecycle: dict[str, int]
    by_stage: dict[str, int]
    entered: dict[str, int] = Field(
        description="Distinct leads that entered each lifecycle stage in the range (a lead counts once)"
    )
    conversion: dict[str, float | None] = Field(
        description="By cohort, e.g. mql->sal: of the leads that became MQL in the range, the share that "
        "reached SAL or beyond by the end of the range; null when nobody entered the earlier step"
    )
    median_hours_in_stage: dict[str, float | None]
    median_hours_to_first_touch: float | None
    hand_offs: dict[str, int]
    sla_notices: dict[str, int]
    overdue_by_owner: dict[str, int]
    open_by_owner: dict[str, int] = Field(description="Each rep's load: active follow-ups")
    dormant: int = Field(0, description="Open leads resting after long-term silence, until they engage")
    board: dict[str, dict[str, int]] = Field(description="Leads by lifecycle, then buyer stage")
    weekly: list[WeekOut] = Field(description="The last 12 weeks up to now, oldest first, whatever the range")


class HealthWhyOut(BaseModel):
    code: str = Field(description="Why the lead is named, e.g. proposed_again_after or no_owner")
    params: dict[str, str | int | float] = Field(description="The figures and dates the reason names")


class HealthLeadOut(BaseModel):
    id: uuid.UUID
    name: str
    why: HealthWhyOut
    why_text: str = Field(description="The reason in English")


class HealthLineOut(BaseModel):
    check: Check
    title: str = Field(description="The line in English")
    light: Light
    count: int = Field(description="Cases found: leads, follow-ups, proposals or escalations")
    base: int | None = Field(description="What the share is of, where the line is judged by a share")
    value: float = Field(description="What the light judges: the count, or its share of the base")
    share: bool = Field(description="Whether value is a share (0-1) rather than a count")
    amber_from: float = Field(description="Value from which the line is amber")
    red_from: float = Field(description="Value from which the line is red")
    leads: list[HealthLeadOut] = Field(description="Up to 20 of the leads behind the count, worst first")


class PracticeHealthOut(BaseModel):
    days: int
    since: datetime
    until: datetime
    light: Light = Field(description="The worst light of any line")
    lines: list[HealthLineOut]

    @classmethod
    def of(cls, health: PracticeHealth) -> PracticeHealthOut:
        """The check as the API and ``nurture health --json`` show it."""
        return cls(
            days=health.days,
            since=health.since,
            until=health.until,
            light=health.light,
            lines=[
                HealthLineOut(
                    check=line.check,
                    title=TITLES[line.check],
                    light=line.light,
                    count=line.count,
                    base=line.base,
                    value=round(line.value, 4),
                    share=line.limits.share,
                    amber_from=line.limits.amber_from,
                    red_from=line.limits.red_from,
                    leads=[
                        HealthLeadOut(
                            id=lead.id,
                            name=lead.name,
                            why=HealthWhyOut(code=lead.why.code, params=dict(lead.why.params)),
                            why_text=describe(lead.why),
                        )
                        for lead in line.leads
                    ],
                )
                for line in health.lines
            ],
        )
