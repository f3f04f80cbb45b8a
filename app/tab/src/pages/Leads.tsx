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
import { Api, apiPath, type Lead, type Member } from "../api";
import type { Strings } from "../i18n";
import { Problem } from "../App";
import { label } from "../labels";

type Page = { items: Lead[]; next_cursor: string | null };

export function Leads({ api, strings, me, onOpen }: { api: Api; strings: Strings; me: Member; onOpen: (id: string) => void }) {
  const [rows, setRows] = React.useState<Lead[]>([]);
  const [cursor, setCursor] = React.useState<string | null>(null);
  const [query, setQuery] = React.useState("");
  const [members, setMembers] = React.useState<Member[]>([]);
  const [selected, setSelected] = React.useState<Set<TableRowId>>(new Set());
  const [target, setTarget] = React.useState<string | null>(null);
  const [problem, setProblem] = React.useState<string | null>(null);
  const [lifecycle, setLifecycle] = React.useState("");
  const [unassigned, setUnassigned] = React.useState(false);
  const canAssign = me.role === "lead" || me.role === "admin";

  const load = React.useCallback(
    async (more: string | null) => {
      const params = new URLSearchParams({ limit: "50" });
      if (query.trim()) params.set("q", query.trim());
      if (lifecycle) params.set("lifecycle", lifecycle);
      if (unassigned) params.set("unassigned", "true");
      if (more) params.set("cursor", more);
      const page = await api.get<Page>(apiPath`/leads?${params}`);
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
    api.get<{ items: Member[] }>(apiPath`/members`).then((body) => setMembers(body.items)).catch(() => undefined);
  }, [api]);

  const names = Object.fromEntries(members.map((member) => [member.id, member.display_name]));
  const locale = document.documentElement.lang;
  const columns: TableColumnDefinition<Lead>[] = [
    createTableColumn<Lead>({
      columnId: "name",
      renderHeaderCell: () => strings.leads,
      renderCell: (lead) => (
        <Button appearance="transparent" onClick={() => onOpen(lead.id)}>
          {`${lead.first_name} ${lead.last_name}`.trim() || lead.email}
        </Button>
      ),
    }),
    createTableColumn<Lead>({ columnId: "score", renderHeaderCell: () => strings.score, renderCell: (lead) => lead.total_score }),
    createTableColumn<Lead>({ columnId: "stage", renderHeaderCell: () => strings.stage, renderCell: (lead) => label("stage", lead.stage, locale) }),
    createTableColumn<Lead>({
      columnId: "lifecycle",
      renderHeaderCell: () => strings.lifecycle,
      renderCell: (lead) => label("lifecycle", lead.lifecycle, locale),
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
      if (kind === "bulk") await api.post(apiPath`/assignments/bulk`, { lead_ids, member_id: target });
      else await api.post(apiPath`/assignments/round-robin`, { lead_ids, team_id: me.team_id });
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
          onOptionSelect={(_, data) => setLifecycle(data.optionValue ?? "")}
        >
          <Option value="">{strings.all}</Option>
          {["new", "mql", "sal", "sql", "opportunity", "won", "lost", "recycled", "disqualified"].map((value) => (
            <Option key={value} value={value}>
              {value}
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
              .filter((member) => member.role === "rep")
              .map((member) => (
                <Option key={member.id} value={member.id}>
                  {member.display_name}
                </Option>
              ))}
          </Dropdown>
          <Button disabled={!target || selected.size === 0} onClick={() => assign("bulk")}>
            {strings.assign}
          </Button>
          {me.team_id && (
            <Button disabled={selected.size === 0} onClick={() => assign("round-robin")}>
              {strings.roundRobin}
            </Button>
          )}
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
