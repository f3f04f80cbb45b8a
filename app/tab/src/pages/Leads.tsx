import React from "react";
import {
  Button,
  Checkbox,
  DataGrid,
  DataGridBody,
  DataGridCell,
  DataGridHeader,
  DataGridHeaderCell,
  DataGridRow,
  Dropdown,
  Input,
  Option,
  Text,
  createTableColumn,
  type TableColumnDefinition,
  type TableRowId,
} from "@fluentui/react-components";
import { ok, type Api, type Lead, type Member } from "../api";
import type { Strings } from "../i18n";
import { Problem } from "../components/Problem";
import { useWords } from "../words";
import type { components } from "../generated/openapi";
import { LeadImport } from "./LeadImport";

type LifecycleCode = components["schemas"]["LeadPublic"]["lifecycle"];
// Leads are owned by reps; typed by the API's Role enum, so a renamed role fails the type check.
const OWNER_ROLE: Member["role"] = "rep";

export function Leads({ api, strings, me, onOpen }: { api: Api; strings: Strings; me: Member; onOpen: (id: string) => void }) {
  const [rows, setRows] = React.useState<Lead[]>([]);
  const [cursor, setCursor] = React.useState<string | null>(null);
  const [query, setQuery] = React.useState("");
  const [members, setMembers] = React.useState<Member[]>([]);
  const [selected, setSelected] = React.useState<Set<TableRowId>>(new Set());
  const [target, setTarget] = React.useState<string | null>(null);
  const [problem, setProblem] = React.useState<string | null>(null);
  const [lifecycle, setLifecycle] = React.useState<LifecycleCode | "">("");
  const [unassigned, setUnassigned] = React.useState(false);
  const words = useWords();
  const canAssign = words.can("bulk_assign");

  const load = React.useCallback(
    async (more: string | null) => {
      const page = await ok(
        api.GET("/api/v1/leads", {
          params: {
            query: {
              limit: 50,
              ...(query.trim() ? { q: query.trim() } : {}),
              ...(lifecycle ? { lifecycle } : {}),
              ...(unassigned ? { unassigned: "true" as const } : {}),
              ...(more ? { cursor: more } : {}),
            },
          },
        }),
      );
      setRows((current) => (more ? [...current, ...page.items] : page.items));
      setCursor(page.next_cursor);
    },
    [api, query, lifecycle, unassigned],
  );

  React.useEffect(() => {
    const timer = setTimeout(() => load(null).catch(() => setProblem(strings.error)), 250);
    return () => clearTimeout(timer);
  }, [load, strings]);
  React.useEffect(() => {
    ok(api.GET("/api/v1/members"))
      .then((body) => setMembers(body.items))
      .catch(() => undefined);
  }, [api]);

  const names = Object.fromEntries(members.map((member) => [member.id, member.display_name]));
  const columns: TableColumnDefinition<Lead>[] = [
    createTableColumn<Lead>({
      columnId: "name",
      renderHeaderCell: () => strings.leads,
      renderCell: (lead) => (
        <Button appearance="transparent" onClick={() => onOpen(lead.id)} data-free-text>
          {`${lead.first_name} ${lead.last_name}`.trim() || lead.email}
        </Button>
      ),
    }),
    createTableColumn<Lead>({ columnId: "score", renderHeaderCell: () => strings.score, renderCell: (lead) => lead.total_score }),
    createTableColumn<Lead>({ columnId: "stage", renderHeaderCell: () => strings.stage, renderCell: (lead) => words.label("stage", lead.stage) }),
    createTableColumn<Lead>({
      columnId: "lifecycle",
      renderHeaderCell: () => strings.lifecycle,
      renderCell: (lead) => words.label("lifecycle", lead.lifecycle),
    }),
    createTableColumn<Lead>({
      columnId: "owner",
      renderHeaderCell: () => strings.owner,
      renderCell: (lead) => (lead.owner_id ? names[lead.owner_id] ?? "…" : strings.unassigned),
    }),
  ];

  async function assign(kind: "bulk" | "round-robin") {
    const lead_ids = [...selected].map(String);
    try {
      if (kind === "bulk" && target) await ok(api.POST("/api/v1/assignments/bulk", { body: { lead_ids, member_id: target } }));
      else if (kind === "round-robin" && me.team_id)
        await ok(api.POST("/api/v1/assignments/round-robin", { body: { lead_ids, team_id: me.team_id } }));
      setSelected(new Set());
      setProblem(null);
      await load(null);
    } catch {
      setProblem(strings.notAllowed);
    }
  }

  return (
    <section aria-label={strings.leads} style={{ display: "grid", gap: 12, marginTop: 16 }}>
      {problem && <Problem text={problem} />}
      <div style={{ display: "flex", gap: 8, alignItems: "center" }}>
        <Input
          aria-label={strings.search}
          placeholder={strings.search}
          value={query}
          onChange={(_, data) => setQuery(data.value)}
          style={{ flexGrow: 1 }}
        />
        <Dropdown
          aria-label={strings.lifecycle}
          placeholder={`${strings.lifecycle}: ${strings.all}`}
          onOptionSelect={(_, data) => setLifecycle((data.optionValue ?? "") as LifecycleCode | "")}
        >
          <Option value="">{strings.all}</Option>
          {words.codes("lifecycle").map((value) => (
            <Option key={value} value={value}>
              {words.label("lifecycle", value)}
            </Option>
          ))}
        </Dropdown>
        <Checkbox
          label={strings.onlyUnassigned}
          checked={unassigned}
          onChange={(_, data) => setUnassigned(Boolean(data.checked))}
        />
      </div>
      {canAssign && (
        <div style={{ display: "flex", gap: 8, alignItems: "center" }}>
          <Text>
            {selected.size} {strings.selected}
          </Text>
          <Dropdown
            aria-label={strings.assignTo}
            placeholder={strings.assignTo}
            onOptionSelect={(_, data) => setTarget(data.optionValue ?? null)}
          >
            {members
              .filter((member) => member.active && member.role === OWNER_ROLE)
              .map((member) => (
                <Option key={member.id} value={member.id}>
                  {member.display_name}
                </Option>
              ))}
          </Dropdown>
          <Button disabled={!target || selected.size === 0} onClick={() => assign("bulk")}>
            {strings.assign}
          </Button>
          {me.team_id && words.can("round_robin") && (
            <Button disabled={selected.size === 0} onClick={() => assign("round-robin")}>
              {strings.roundRobin}
            </Button>
          )}
          {words.can("import_leads") && <LeadImport api={api} onImported={() => void load(null)} />}
        </div>
      )}
      <DataGrid
        items={rows}
        columns={columns}
        getRowId={(lead: Lead) => lead.id}
        selectionMode={canAssign ? "multiselect" : undefined}
        selectedItems={selected}
        onSelectionChange={(_, data) => setSelected(new Set(data.selectedItems))}
        aria-label={strings.leads}
      >
        <DataGridHeader>
          <DataGridRow selectionCell={{ checkboxIndicator: { "aria-label": strings.selectAll } }}>
            {({ renderHeaderCell }) => <DataGridHeaderCell>{renderHeaderCell()}</DataGridHeaderCell>}
          </DataGridRow>
        </DataGridHeader>
        <DataGridBody<Lead>>
          {({ item, rowId }) => (
            <DataGridRow<Lead>
              key={rowId}
              data-testid="lead-row"
              selectionCell={{
                checkboxIndicator: { "aria-label": `${strings.select} ${item.first_name} ${item.last_name} ${item.email}` },
              }}
            >
              {({ renderCell }) => <DataGridCell>{renderCell(item)}</DataGridCell>}
            </DataGridRow>
          )}
        </DataGridBody>
      </DataGrid>
      {cursor && <Button onClick={() => load(cursor)}>{strings.loadMore}</Button>}
    </section>
  );
}
