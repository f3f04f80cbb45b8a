import React from "react";
import { Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text } from "@fluentui/react-components";
import { ok, type Api } from "../api";
import type { Strings } from "../i18n";
import { useWords } from "../words";
import type { components } from "../generated/openapi";

type DeliveryProblem = components["schemas"]["DeliveryProblemOut"];

// Team leads see whom the bot could not reach, and why (most often: the app is not installed).
export function DeliveryProblems({ api, strings }: { api: Api; strings: Strings }) {
  const [items, setItems] = React.useState<DeliveryProblem[] | null>(null);
  const [names, setNames] = React.useState<Record<string, string>>({});
  const words = useWords();

  React.useEffect(() => {
    Promise.all([ok(api.GET("/api/v1/delivery-problems")), ok(api.GET("/api/v1/members"))])
      .then(([problems, members]) => {
        setItems(problems.items);
        setNames(Object.fromEntries(members.items.map((m) => [m.id, m.display_name])));
      })
      .catch(() => setItems([]));
  }, [api]);

  if (items === null) return null;
  return (
    <section aria-label={strings.cannotReach} style={{ marginTop: 24 }}>
      <Text as="h2" weight="semibold" size={400}>
        {strings.cannotReach}
      </Text>
      {items.length === 0 ? (
        <Text as="p">{strings.everyoneReached}</Text>
      ) : (
        <Table aria-label={strings.cannotReach} data-testid="delivery-problems">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>{strings.person}</TableHeaderCell>
              <TableHeaderCell>{strings.reason}</TableHeaderCell>
              <TableHeaderCell>{strings.when}</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {items.map((item) => (
              <TableRow key={item.id}>
                <TableCell>{(item.member_id && names[item.member_id]) || "–"}</TableCell>
                <TableCell data-free-text={item.last_error ? true : undefined}>
                  {item.last_error ?? words.label("delivery_status", item.status)}
                </TableCell>
                <TableCell>{words.dateTime(item.created_at)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </section>
  );
}
