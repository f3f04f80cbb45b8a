import React from "react";
import {
  Subtitle2,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
} from "@fluentui/react-components";
import {
  DataVizPalette,
  getColorFromToken,
  FunnelChart,
  GroupedVerticalBarChart,
  VerticalBarChart,
} from "@fluentui/react-charts";
import { ok, type Api, type Pipeline as Metrics } from "../api";
import type { Strings } from "../i18n";
import { Problem } from "../components/Problem";
import { ChartFigure } from "../components/ChartFigure";
import { useWords } from "../words";
import { PracticeHealthSection } from "./PracticeHealth";

const WIDTH = 560;
const WIDE = 1144; // two charts side by side and the gap between them

/** The ISO 8601 week number of a day such as 2026-11-23. */
function isoWeek(day: string): number {
  const date = new Date(`${day.slice(0, 10)}T00:00:00Z`);
  // The week belongs to the year of its Thursday; week 1 holds the year's first Thursday (and 4 January).
  date.setUTCDate(date.getUTCDate() + 3 - ((date.getUTCDay() + 6) % 7));
  const january4 = new Date(Date.UTC(date.getUTCFullYear(), 0, 4));
  const days = (date.getTime() - january4.getTime()) / 86400000;
  return 1 + Math.round((days - 3 + ((january4.getUTCDay() + 6) % 7)) / 7);
}

// The funnel steps a lead moves on through; lost, recycled and disqualified leave it.
const OFF_FUNNEL = new Set(["lost", "recycled", "disqualified"]);

export function Pipeline({ api, strings, onOpen }: { api: Api; strings: Strings; onOpen: (leadId: string) => void }) {
  const words = useWords();
  const [metrics, setMetrics] = React.useState<Metrics | null>(null);
  const [problem, setProblem] = React.useState<string | null>(null);
  React.useEffect(() => {
    ok(api.GET("/api/v1/pipeline"))
      .then(setMetrics)
      .catch(() => setProblem(strings.notAllowed));
  }, [api, strings]);
  if (problem) return <Problem text={problem} />;
  if (!metrics) return null;

  const funnel = words.codes("lifecycle").filter((code) => !OFF_FUNNEL.has(code));
  const stages = words.codes("stage");
  const steps = words.codes("conversion").filter((code) => code in metrics.conversion);
  const reps = Object.keys(metrics.open_by_owner).sort((a, b) => a.localeCompare(b, words.locale));
  const weekLabel = (week: string) => words.day(week);
  const mqlWord = words.label("lifecycle", "mql");
  const palette = [
    DataVizPalette.color1,
    DataVizPalette.color2,
    DataVizPalette.color3,
    DataVizPalette.color5,
    DataVizPalette.color6,
    DataVizPalette.color7,
  ].map((token) =>
    getColorFromToken(token),
  );
  // Counts are whole numbers: no 0.25 ticks on an axis.
  const whole = (value: number) => (Number.isInteger(value) ? words.number(value) : "");
  const weekName = (week: string) => strings.weekNumber.replace("{week}", String(isoWeek(week)));

  return (
    <>
      <section aria-label={strings.pipeline} style={{ display: "grid", gap: 16, marginTop: 16 }}>
        <Text>
          {strings.firstTouch}: {metrics.median_hours_to_first_touch === null ? "–" : words.number(metrics.median_hours_to_first_touch)} ·{" "}
          {strings.dormant}: {words.number(metrics.dormant ?? 0)}
        </Text>
        <div style={{ display: "flex", flexWrap: "wrap", gap: 24, maxWidth: WIDE }}>
          <ChartFigure
            id="funnel"
            title={strings.byLifecycle}
            columns={[strings.lifecycle, strings.leadsCount]}
            rows={funnel.map((code) => [words.label("lifecycle", code), words.number(metrics.by_lifecycle[code] ?? 0)])}
          >
            <div style={{ display: "flex", alignItems: "center", gap: 8 }}>
              <FunnelChart
                chartTitle={strings.byLifecycle}
                culture={words.locale}
                width={WIDTH - 180}
                height={280}
                hideLegend
                data={funnel.map((code, index) => ({
                  stage: words.label("lifecycle", code),
                  value: metrics.by_lifecycle[code] ?? 0,
                  color: palette[index % palette.length],
                }))}
              />
              {/* The funnel's key; screen readers read the table behind the chart instead. */}
              <ul aria-hidden="true" style={{ listStyle: "none", margin: 0, padding: 0, display: "grid", gap: 6 }}>
                {funnel.map((code, index) => (
                  <li key={code} style={{ display: "flex", alignItems: "center", gap: 6 }}>
                    <span style={{ width: 12, height: 12, background: palette[index % palette.length], display: "inline-block" }} />
                    <Text size={200}>
                      {words.label("lifecycle", code)}: {words.number(metrics.by_lifecycle[code] ?? 0)}
                    </Text>
                  </li>
                ))}
              </ul>
            </div>
          </ChartFigure>
          <ChartFigure
            id="stages"
            title={strings.byStage}
            columns={[strings.stage, strings.leadsCount]}
            rows={stages.map((code) => [words.label("stage", code), words.number(metrics.by_stage[code] ?? 0)])}
          >
            <VerticalBarChart
              chartTitle={strings.byStage}
              culture={words.locale}
              width={WIDTH}
              height={300}
              hideLegend
              wrapXAxisLables
              hideTickOverlap={false}
              barWidth="auto"
              maxBarWidth={64}
              yAxisTickFormat={whole}
              data={stages.map((code, index) => ({
                x: words.label("stage", code),
                y: metrics.by_stage[code] ?? 0,
                legend: words.label("stage", code),
                color: palette[index % palette.length],
              }))}
            />
          </ChartFigure>
          <ChartFigure
            id="weekly"
            wide
            title={strings.weekly}
            columns={[strings.week, `${strings.newWord} ${mqlWord}`, strings.handOffsProposed]}
            rows={metrics.weekly.map((week) => [`${weekName(week.week)} (${weekLabel(week.week)})`, words.number(week.mqls), words.number(week.hand_offs)])}
          >
            <GroupedVerticalBarChart
              chartTitle={strings.weekly}
              culture={words.locale}
              width={WIDE}
              height={300}
              yAxisTickFormat={whole}
              hideTickOverlap={false}
              barWidth="auto"
              maxBarWidth={28}
              data={metrics.weekly.map((week) => ({
                name: weekName(week.week),
                series: [
                  { key: "mqls", data: week.mqls, legend: `${strings.newWord} ${mqlWord}`, color: palette[0] },
                  { key: "hand_offs", data: week.hand_offs, legend: strings.handOffsProposed, color: palette[1] },
                ],
              }))}
            />
          </ChartFigure>
          <ChartFigure
            id="conversion"
            title={strings.conversion}
            columns={[strings.step, strings.conversion]}
            rows={steps.map((code) => {
              const rate = metrics.conversion[code];
              return [words.label("conversion", code), rate === null || rate === undefined ? "–" : words.percent(rate)];
            })}
          >
            <VerticalBarChart
              chartTitle={strings.conversion}
              culture={words.locale}
              width={WIDTH}
              height={300}
              hideLegend
              wrapXAxisLables
              hideTickOverlap={false}
              barWidth="auto"
              maxBarWidth={64}
              margins={{ left: 56, right: 16, top: 24, bottom: 48 }}
              yMaxValue={100}
              yAxisTickFormat={(value: number) => `${words.number(value)} %`}
              data={steps.map((code, index) => {
                const rate = metrics.conversion[code];
                return {
                  x: words.label("conversion", code),
                  y: Math.round((rate ?? 0) * 100),
                  legend: words.label("conversion", code),
                  color: palette[index % palette.length],
                  yAxisCalloutData: rate === null || rate === undefined ? "–" : words.percent(rate),
                };
              })}
            />
          </ChartFigure>
          <ChartFigure
            id="reps"
            wide
            title={strings.overdueByRep}
            columns={[strings.owner, strings.openFollowUps, strings.overdue]}
            rows={reps.map((rep) => [
              rep,
              words.number(metrics.open_by_owner[rep] ?? 0),
              words.number(metrics.overdue_by_owner[rep] ?? 0),
            ])}
          >
            <GroupedVerticalBarChart
              chartTitle={strings.overdueByRep}
              culture={words.locale}
              width={WIDE}
              height={300}
              yAxisTickFormat={whole}
              wrapXAxisLables
              hideTickOverlap={false}
              barWidth="auto"
              maxBarWidth={28}
              data={reps.map((rep) => ({
                name: rep,
                series: [
                  { key: "open", data: metrics.open_by_owner[rep] ?? 0, legend: strings.openFollowUps, color: palette[0] },
                  { key: "overdue", data: metrics.overdue_by_owner[rep] ?? 0, legend: strings.overdue, color: palette[2] },
                ],
              }))}
            />
          </ChartFigure>
        </div>
        <Subtitle2 as="h2">{strings.board}</Subtitle2>
        <Table aria-label={strings.board} size="small" data-testid="stage-board" style={{ maxWidth: 720 }}>
          <TableHeader>
            <TableRow>
              <TableHeaderCell>{strings.lifecycle}</TableHeaderCell>
              {stages.map((stage) => (
                <TableHeaderCell key={stage}>{words.label("stage", stage)}</TableHeaderCell>
              ))}
            </TableRow>
          </TableHeader>
          <TableBody>
            {words
              .codes("lifecycle")
              .filter((lifecycle) => metrics.board[lifecycle])
              .map((lifecycle) => (
                <TableRow key={lifecycle}>
                  <TableCell>{words.label("lifecycle", lifecycle)}</TableCell>
                  {stages.map((stage) => (
                    <TableCell key={stage}>{words.number(metrics.board[lifecycle]?.[stage] ?? 0)}</TableCell>
                  ))}
                </TableRow>
              ))}
          </TableBody>
        </Table>
      </section>
      {words.can("get_practice_health") && <PracticeHealthSection api={api} strings={strings} onOpen={onOpen} />}
    </>
  );
}
