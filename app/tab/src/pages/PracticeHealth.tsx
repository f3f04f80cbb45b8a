import React from "react";
import {
  Badge,
  Button,
  Subtitle2,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
} from "@fluentui/react-components";
import { ok, type Api, type PracticeHealth } from "../api";
import type { Strings } from "../i18n";
import { checkTitle, describeFinding, type HealthLine, type Light } from "../health";
import { useWords, type Words } from "../words";

const BADGE: Record<Light, "success" | "warning" | "danger"> = { green: "success", amber: "warning", red: "danger" };
const SHOWN = 5; // leads listed per line here; the API names up to 20 and the count covers every case

function lightLabel(light: Light, strings: Strings): string {
  return light === "red" ? strings.healthRed : light === "amber" ? strings.healthAmber : strings.healthGreen;
}

function found(line: HealthLine, strings: Strings, words: Words): string {
  if (!line.share || !line.base) return words.number(line.count);
  const percent = line.value.toLocaleString(words.locale, { style: "percent", maximumFractionDigits: 1 });
  return `${words.number(line.count)} ${strings.healthOf} ${words.number(line.base)} (${percent})`;
}

// Managers and admins see where the practice leaks: a traffic light per rule, with the leads behind it.
export function PracticeHealthSection({
  api,
  strings,
  onOpen,
}: {
  api: Api;
  strings: Strings;
  onOpen: (leadId: string) => void;
}) {
  const [health, setHealth] = React.useState<PracticeHealth | null>(null);
  const words = useWords();
  React.useEffect(() => {
    ok(api.GET("/api/v1/health/practice", { params: { query: { days: 90 } } }))
      .then(setHealth)
      .catch(() => setHealth(null));
  }, [api]);
  if (!health) return null;
  return (
    <section aria-label={strings.practiceHealth} style={{ display: "grid", gap: 8, marginTop: 24, width: "100%", maxWidth: 1100 }}>
      <Subtitle2 as="h2">{strings.practiceHealth}</Subtitle2>
      <Text>{strings.practiceHealthPeriod.replace("{days}", String(health.days))}</Text>
      <Table aria-label={strings.practiceHealth} size="small" data-testid="practice-health">
        <TableHeader>
          <TableRow>
            <TableHeaderCell style={{ width: "28%" }}>{strings.healthCheck}</TableHeaderCell>
            <TableHeaderCell style={{ width: "12%" }}>{strings.healthStatus}</TableHeaderCell>
            <TableHeaderCell style={{ width: "14%" }}>{strings.healthFound}</TableHeaderCell>
            <TableHeaderCell style={{ width: "46%" }}>{strings.healthLeads}</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {health.lines.map((line) => (
            <TableRow key={line.check} data-testid="health-line">
              <TableCell>{checkTitle(line.check, words)}</TableCell>
              <TableCell>
                <Badge appearance="filled" color={BADGE[line.light]} data-testid="health-light">
                  {lightLabel(line.light, strings)}
                </Badge>
              </TableCell>
              <TableCell>{found(line, strings, words)}</TableCell>
              <TableCell>
                {line.leads.length > 0 && (
                  <ul style={{ margin: 0, paddingLeft: 16 }}>
                    {line.leads.slice(0, SHOWN).map((lead) => (
                      <li key={lead.id} data-testid="health-lead">
                        <Button appearance="transparent" size="small" onClick={() => onOpen(lead.id)} data-free-text>
                          {lead.name}
                        </Button>
                        <Text size={200}>– {describeFinding(lead.why, words)}</Text>
                      </li>
                    ))}
                    {line.leads.length > SHOWN && (
                      <li>
                        <Text size={200}>{strings.healthMore.replace("{count}", String(line.leads.length - SHOWN))}</Text>
                      </li>
                    )}
                  </ul>
                )}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </section>
  );
}
