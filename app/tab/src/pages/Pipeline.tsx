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
import { Api, apiPath } from "../api";
import type { Strings } from "../i18n";
import { Problem } from "../App";
import { PracticeHealthSection } from "./PracticeHealth";
import { label, step } from "../labels";

type Metrics = {
  by_lifecycle: Record<string, number>;
  by_stage: Record<string, number>;
  conversion: Record<string, number | null>;
  median_hours_to_first_touch: number | null;
  overdue_by_owner: Record<string, number>;
  open_by_owner: Record<string, number>;
  dormant: number;
  board: Record<string, Record<string, number>>;
};
const STAGES = ["awareness", "evaluation", "decision"];
const FUNNEL = ["new", "mql", "sal", "sql", "opportunity", "won"];

export function Pipeline({
  api,
  strings,
  showHealth,
  onOpen,
}: {
  api: Api;
  strings: Strings;
  showHealth: boolean;
  onOpen: (leadId: string) => void;
}) {
  const [metrics, setMetrics] = React.useState<Metrics | null>(null);
  const [problem, setProblem] = React.useState<string | null>(null);
  React.useEffect(() => {
    api.get<Metrics>(apiPath`/pipeline`).then(setMetrics).catch(() => setProblem(strings.notAllowed));
  }, [api, strings]);
  if (problem) return <Problem text={problem} />;
  if (!metrics) return null;
  const locale = document.documentElement.lang;
  const largest = Math.max(1, ...FUNNEL.map((stage) => metrics.by_lifecycle[stage] ?? 0));
  return (
    <>
      <section aria-label={strings.pipeline} style={{ display: "grid", gap: 12, marginTop: 16, maxWidth: 720 }}>
        <Subtitle2 as="h2">{strings.byLifecycle}</Subtitle2>
        {FUNNEL.map((stage) => {
          const count = metrics.by_lifecycle[stage] ?? 0;
          return (
            <div key={stage} data-testid="funnel-bar" style={{ display: "flex", gap: 8, alignItems: "center" }}>
              <Text style={{ width: 110 }}>{label("lifecycle", stage, locale)}</Text>
              <div
                role="img"
                aria-label={`${label("lifecycle", stage, locale)}: ${count}`}
                style={{ height: 18, width: `${(count / largest) * 100}%`, minWidth: 2, background: "currentColor", opacity: 0.6 }}
              />
              <Text>{count}</Text>
            </div>
          );
        })}
        <Subtitle2 as="h2">{strings.byStage}</Subtitle2>
        <Text>
          {Object.entries(metrics.by_stage)
            .map(([stage, count]) => `${label("stage", stage, locale)}: ${count}`)
            .join(" · ")}
        </Text>
        <Subtitle2 as="h2">{strings.conversion}</Subtitle2>
        <Text>
          {Object.entries(metrics.conversion)
            .map(([code, rate]) => `${step(code, locale)}: ${rate === null ? "–" : `${Math.round(rate * 100)}%`}`)
            .join(" · ")}
        </Text>
        <Text>
          {strings.firstTouch}: {metrics.median_hours_to_first_touch ?? "–"} · {strings.dormant}: {metrics.dormant}
        </Text>
        <Table aria-label={strings.byStage} size="small" data-testid="stage-board">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>{strings.lifecycle}</TableHeaderCell>
              {STAGES.map((stage) => (
                <TableHeaderCell key={stage}>{label("stage", stage, locale)}</TableHeaderCell>
              ))}
            </TableRow>
          </TableHeader>
          <TableBody>
            {FUNNEL.filter((lifecycle) => metrics.board[lifecycle]).map((lifecycle) => (
              <TableRow key={lifecycle}>
                <TableCell>{label("lifecycle", lifecycle, locale)}</TableCell>
                {STAGES.map((stage) => (
                  <TableCell key={stage}>{metrics.board[lifecycle]?.[stage] ?? 0}</TableCell>
                ))}
              </TableRow>
            ))}
          </TableBody>
        </Table>
        <Subtitle2 as="h2">{strings.overdueByRep}</Subtitle2>
        <Table aria-label={strings.overdueByRep} size="small">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>{strings.owner}</TableHeaderCell>
              <TableHeaderCell>{strings.followUps}</TableHeaderCell>
              <TableHeaderCell>{strings.overdue}</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {Object.entries(metrics.open_by_owner).map(([rep, open]) => (
              <TableRow key={rep}>
                <TableCell>{rep}</TableCell>
                <TableCell>{open}</TableCell>
                <TableCell>{metrics.overdue_by_owner[rep] ?? 0}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </section>
      {showHealth && <PracticeHealthSection api={api} strings={strings} onOpen={onOpen} />}
    </>
  );
}
