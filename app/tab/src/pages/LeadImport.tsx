// The lead import dialog on the Leads page (admins and team leads): upload a CSV or XLSX, see the layout
// and mapping Nurture chose and change it, see the dry run, then confirm. Its words live here, in English
// and German, so the dialog stays one file.
import React from "react";
import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  MessageBar,
  ProgressBar,
  Text,
} from "@fluentui/react-components";
import { upload, type Api, type ImportReport } from "../api";

type Report = Required<ImportReport>;

// Fields the API states with defaults arrive optional in the generated types; fill them once here.
function complete(body: ImportReport): Report {
  return {
    created: 0, updated: 0, more_errors: 0, dry_run: false, kind: null, encoding: null, separator: null,
    preset: null, mapping: [], header: [], presets: [], fields: [],
    ...body,
  };
}

const words = {
  en: {
    open: "Import leads",
    title: "Import leads from a file",
    file: "CSV or Excel file",
    layout: "Layout",
    detected: "recognised automatically",
    own: "Nurture's own columns",
    read: "Read as",
    column: "Column in the file",
    field: "Fills",
    fieldFor: "Field for column",
    ignore: "(ignore)",
    check: "Check again",
    dryRun: "Dry run",
    create: "new",
    update: "updated",
    skip: "skipped",
    problems: "Problems",
    line: "Line",
    more: "more problems not shown",
    confirm: "Import",
    close: "Close",
    uploading: "Uploading",
    working: "Checking the file…",
    done: "Imported",
    failed: "The import could not be done. Nothing was written.",
  },
  de: {
    open: "Leads importieren",
    title: "Leads aus einer Datei importieren",
    file: "CSV- oder Excel-Datei",
    layout: "Aufbau",
    detected: "automatisch erkannt",
    own: "Nurtures eigene Spalten",
    read: "Gelesen als",
    column: "Spalte in der Datei",
    field: "Füllt",
    fieldFor: "Feld für Spalte",
    ignore: "(ignorieren)",
    check: "Erneut prüfen",
    dryRun: "Probelauf",
    create: "neu",
    update: "aktualisiert",
    skip: "übersprungen",
    problems: "Probleme",
    line: "Zeile",
    more: "weitere Probleme nicht angezeigt",
    confirm: "Importieren",
    close: "Schließen",
    uploading: "Hochladen",
    working: "Die Datei wird geprüft…",
    done: "Importiert",
    failed: "Der Import war nicht möglich. Nichts wurde geschrieben.",
  },
};

export function LeadImport({ api, onImported }: { api: Api; onImported: () => void }) {
  const t = document.documentElement.lang.startsWith("de") ? words.de : words.en;
  const [open, setOpen] = React.useState(false);
  const [file, setFile] = React.useState<File | null>(null);
  const [preset, setPreset] = React.useState("");
  const [choices, setChoices] = React.useState<Record<string, string>>({});
  const [report, setReport] = React.useState<Report | null>(null);
  const [progress, setProgress] = React.useState<number | null>(null);
  const [busy, setBusy] = React.useState(false);
  const [result, setResult] = React.useState<Report | null>(null);
  const [failed, setFailed] = React.useState(false);
  const [stale, setStale] = React.useState(false); // the mapping changed since the last dry run

  async function send(chosen: File, dryRun: boolean, presetName: string, overrides: Record<string, string>) {
    const params = new URLSearchParams();
    if (dryRun) params.set("dry_run", "true");
    if (presetName) params.set("preset", presetName);
    Object.entries(overrides).forEach(([column, field]) => params.append("map", `${column}=${field}`));
    setBusy(true);
    setFailed(false);
    setProgress(0);
    try {
      const raw = await upload<ImportReport>(api, `/leads/import?${params}`, chosen, setProgress);
      const answer = { status: raw.status, body: complete(raw.body) };
      setProgress(null);
      if (answer.status === 200 || answer.status === 400) {
        if (dryRun || answer.status === 400) setReport(answer.body);
        if (dryRun) setStale(false);
        if (!dryRun && answer.status === 200) {
          setResult(answer.body);
          onImported();
        }
      } else setFailed(true);
    } catch {
      setFailed(true);
    } finally {
      setBusy(false);
      setProgress(null);
    }
  }

  function choose(chosen: File | null) {
    setFile(chosen);
    setChoices({});
    setPreset("");
    setReport(null);
    setResult(null);
    if (chosen) void send(chosen, true, "", {});
  }

  const mapped: Record<string, string> = Object.fromEntries((report?.mapping ?? []).map((m) => [m.column, m.field]));
  const columns = report ? (report.mapping.length ? report.mapping.map((m) => m.column) : report.header) : [];
  const ready = report && report.dry_run && report.errors.length === 0 && !busy && !stale;

  return (
    <>
      <Button onClick={() => setOpen(true)}>{t.open}</Button>
      <Dialog open={open} onOpenChange={(_, data) => setOpen(data.open)}>
        <DialogSurface aria-label={t.title} style={{ maxWidth: 760 }}>
          <DialogBody>
            <DialogTitle>{t.title}</DialogTitle>
            <DialogContent style={{ display: "grid", gap: 12 }}>
              <label>
                {t.file}{" "}
                <input
                  type="file"
                  aria-label={t.file}
                  accept=".csv,.txt,.tsv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                  onChange={(event) => choose(event.target.files?.[0] ?? null)}
                />
              </label>
              {progress !== null && (
                <div aria-live="polite">
                  <Text>{progress < 1 ? `${t.uploading} ${Math.round(progress * 100)} %` : t.working}</Text>
                  <ProgressBar value={progress < 1 ? progress : undefined} aria-label={t.uploading} />
                </div>
              )}
              {failed && <MessageBar intent="error">{t.failed}</MessageBar>}
              {report && (
                <>
                  <label>
                    {t.layout}{" "}
                    <select
                      aria-label={t.layout}
                      value={preset}
                      onChange={(event) => {
                        setPreset(event.target.value);
                        if (file) void send(file, true, event.target.value, choices);
                      }}
                    >
                      <option value="">
                        {report.preset
                          ? `${report.presets.find((p) => p.name === report.preset)?.label} (${t.detected})`
                          : t.own}
                      </option>
                      {report.presets.map((p) => (
                        <option key={p.name} value={p.name}>
                          {p.label}
                        </option>
                      ))}
                    </select>
                  </label>
                  {report.kind && (
                    <Text data-testid="import-read-as">
                      {t.read}: {report.kind.toUpperCase()}
                      {report.encoding ? `, ${report.encoding}, ${report.separator}` : ""}
                    </Text>
                  )}
                  <table data-testid="import-mapping">
                    <thead>
                      <tr>
                        <th style={{ textAlign: "left" }}>{t.column}</th>
                        <th style={{ textAlign: "left" }}>{t.field}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {columns.map((column) => (
                        <tr key={column}>
                          <td>{column}</td>
                          <td>
                            <select
                              aria-label={`${t.fieldFor} ${column}`}
                              value={choices[column] ?? mapped[column] ?? "ignore"}
                              onChange={(event) => {
                                setChoices({ ...choices, [column]: event.target.value });
                                setStale(true);
                              }}
                            >
                              {report.fields.map((field) => (
                                <option key={field} value={field}>
                                  {field === "ignore" ? t.ignore : field}
                                </option>
                              ))}
                              {(choices[column] ?? mapped[column] ?? "").startsWith("custom.") && (
                                <option value={choices[column] ?? mapped[column]}>{choices[column] ?? mapped[column]}</option>
                              )}
                            </select>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                  {report.dry_run && (
                    <Text data-testid="import-dry-run" weight="semibold">
                      {t.dryRun}: {report.created} {t.create}, {report.updated} {t.update}, {report.skipped} {t.skip}
                    </Text>
                  )}
                  {report.errors.length > 0 && (
                    <div role="alert" data-testid="import-problems">
                      <Text weight="semibold">{t.problems}</Text>
                      <ul>
                        {report.errors.map((error, index) => (
                          <li key={index}>
                            {error.line > 1 || error.column ? `${t.line} ${error.line}` : ""}
                            {error.column ? ` (${error.column})` : ""}
                            {error.line > 1 || error.column ? ": " : ""}
                            {error.message}
                          </li>
                        ))}
                      </ul>
                      {report.more_errors > 0 && (
                        <Text>
                          {report.more_errors} {t.more}
                        </Text>
                      )}
                    </div>
                  )}
                </>
              )}
              {result && (
                <MessageBar intent="success" data-testid="import-result">
                  {t.done}: {result.created} {t.create}, {result.updated} {t.update}
                </MessageBar>
              )}
            </DialogContent>
            <DialogActions>
              {report && Object.keys(choices).length > 0 && (
                <Button disabled={busy || !file} onClick={() => file && send(file, true, preset, choices)}>
                  {t.check}
                </Button>
              )}
              <Button appearance="primary" disabled={!ready || !file} onClick={() => file && send(file, false, preset, choices)}>
                {t.confirm}
              </Button>
              <Button onClick={() => setOpen(false)}>{t.close}</Button>
            </DialogActions>
          </DialogBody>
        </DialogSurface>
      </Dialog>
    </>
  );
}
