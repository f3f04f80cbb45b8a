"""The team's pipeline card for a manager's channel, refreshed through Action.Execute."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from microsoft_teams.cards.core import CardElement, ExecuteAction

from cards import actions as act
from cards import format as fmt
from cards import markdown
from cards.charts import horizontal_bars
from cards.elements import (
    SHORT,
    bullets,
    execute,
    facts,
    finish,
    heading,
    para,
    refresh_for,
    section,
    shown,
)
from cards.strings import CONVERSION_ORDER, LIFECYCLE_ORDER, STAGE_ORDER, label, text
from cards.views import PipelineView

REP_LIMIT = 8
# The way in: lost, recycled and disqualified leads rest beside the funnel as numbers, not as bars.
FUNNEL_STEPS = ("new", "mql", "sal", "sql", "opportunity", "won")
HOT_LIMIT = 5


def _ordered(counts: Mapping[str, Any], order: Iterable[str]) -> list[str]:
    known = [key for key in order if key in counts]
    return known + sorted(key for key in counts if key not in known)


def _count_rows(
    counts: Mapping[str, int], order: Iterable[str], group: str, locale: str
) -> list[tuple[str, str]]:
    return [(label(locale, group, key), str(counts[key])) for key in _ordered(counts, order)]


def _refresh_action(view: PipelineView, locale: str) -> ExecuteAction:
    data = {act.DATA_TENANT_ID: view.tenant_id, act.DATA_TEAM_ID: view.team_id}
    return execute(text(locale, "btn.refresh"), act.PIPELINE_REFRESH, data)


def pipeline_card(view: PipelineView, locale: str, now: datetime) -> dict[str, Any]:
    """Counts, conversions, speed, overdue work and hot leads for one team and period."""
    # A channel whose team is not one of ours gets the whole tenant's pipeline, and says so.
    team = shown(view.team_name, SHORT) if view.team_name.strip() else text(locale, "pipeline.all_teams")
    title = text(locale, "pipeline.title", team=team)
    period = text(
        locale,
        "pipeline.period",
        since=fmt.day(fmt.local(view.since, "UTC").date(), locale),
        until=fmt.day(fmt.local(view.until, "UTC").date(), locale),
        now=f"{fmt.day_time(now, 'UTC', locale)} UTC",
    )
    first_touch = (
        fmt.hours(view.median_hours_to_first_touch, locale)
        if view.median_hours_to_first_touch is not None
        else text(locale, "none")
    )
    resting = [
        (label(locale, "lifecycle", key), str(view.by_lifecycle[key]))
        for key in _ordered(view.by_lifecycle, LIFECYCLE_ORDER)
        if key not in FUNNEL_STEPS and view.by_lifecycle[key]
    ]
    body: list[CardElement] = [
        heading(title),
        para(period, subtle=True),
        section(text(locale, "pipeline.lifecycle")),
        # Every step of the funnel gets a bar, empty ones too, so the shape reads the same week to week.
        horizontal_bars(
            text(locale, "pipeline.lifecycle"),
            [(label(locale, "lifecycle", key), view.by_lifecycle.get(key, 0)) for key in FUNNEL_STEPS],
            color="categoricalBlue",
        ),
    ]
    if resting:
        body.append(facts(resting))
    body += [
        section(text(locale, "pipeline.stage")),
        facts(_count_rows(view.by_stage, STAGE_ORDER, "stage", locale)),
        section(text(locale, "pipeline.period_facts")),
        facts(
            [
                (text(locale, "pipeline.new_mqls"), str(view.new_mqls)),
                (text(locale, "pipeline.accepted"), str(view.hand_offs_accepted)),
                (text(locale, "pipeline.rejected"), str(view.hand_offs_rejected)),
                (text(locale, "pipeline.first_touch"), first_touch),
            ]
        ),
        section(text(locale, "pipeline.conversion")),
        facts(
            (label(locale, "conversion", key), fmt.percent(view.conversion[key], locale))
            for key in _ordered(view.conversion, CONVERSION_ORDER)
        ),
        section(text(locale, "pipeline.overdue")),
    ]
    reps = sorted(view.overdue_by_rep, key=lambda row: (-row[1], row[0]))
    reps = [row for row in reps if row[1] > 0]
    if reps:
        body.append(
            horizontal_bars(
                text(locale, "pipeline.overdue"),
                [(shown(name, SHORT), count) for name, count in reps[:REP_LIMIT]],
                color="attention",
            )
        )
        if len(reps) > REP_LIMIT:
            body.append(para(text(locale, "pipeline.more_reps", more=len(reps) - REP_LIMIT), subtle=True))
    else:
        body.append(para(text(locale, "pipeline.no_overdue"), subtle=True, spacing=True))
    body.append(section(text(locale, "pipeline.hot")))
    if view.hot_leads:
        hot = sorted(view.hot_leads, key=lambda lead: -lead.score.total)[:HOT_LIMIT]
        body.append(
            bullets(
                text(
                    locale,
                    "pipeline.hot_item",
                    name=markdown.link(shown(lead.name, SHORT), lead.tab_url),
                    company=shown(lead.company or text(locale, "none"), SHORT),
                    score=lead.score.total,
                )
                for lead in hot
            )
        )
    else:
        body.append(para(text(locale, "pipeline.no_hot"), subtle=True, spacing=True))
    # The same Execute twice: automatic refresh for up to 60 readers, a button for everyone else.
    refresh = refresh_for(view.refresh_user_ids, _refresh_action(view, locale))
    return finish(
        body, [_refresh_action(view, locale)], refresh=refresh, full_width=True, fallback_text=title
    )


def pipeline_roles_only_card(locale: str) -> dict[str, Any]:
    """The polite answer to a rep who asks for the pipeline: who may see it, and what to ask for instead."""
    title = text(locale, "pipeline.roles_only.title")
    body: list[CardElement] = [heading(title), para(text(locale, "pipeline.roles_only"))]
    return finish(body, fallback_text=text(locale, "pipeline.roles_only"))
