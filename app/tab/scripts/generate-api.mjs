// Writes src/generated/openapi.ts, the tab's API types, from the OpenAPI document the server serves at
// /api/v1/openapi.json. The document comes from `nurture openapi` (no server needed) or from a file
// (--from). With --check nothing is written: the exit code says whether the committed types are current.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";

const here = dirname(fileURLToPath(import.meta.url));
const tab = resolve(here, "..");
const args = process.argv.slice(2);
const option = (name) => {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
};
const out = resolve(tab, option("--out") ?? "src/generated/openapi.ts");

function nurtureCommand() {
  if (process.env.NURTURE_BIN) return process.env.NURTURE_BIN;
  // The repository's own environment (make install), else whatever `nurture` is on PATH.
  const local = resolve(tab, "../../.venv/bin/nurture");
  return existsSync(local) ? local : "nurture";
}

function readDocument() {
  const from = option("--from");
  if (from) return JSON.parse(readFileSync(from, "utf-8"));
  return JSON.parse(execFileSync(nurtureCommand(), ["openapi"], { encoding: "utf-8", maxBuffer: 64 * 1024 * 1024 }));
}

const header =
  "// Generated from the API's OpenAPI document (/api/v1/openapi.json) by scripts/generate-api.mjs:\n" +
  "// run `npm run generate` after changing the API. Do not edit by hand.\n\n";
const types = header + astToString(await openapiTS(readDocument(), {
    alphabetize: true,
    // A field with a default may be left out of a request body; the server fills it in.
    defaultNonNullable: false,
  }));

if (args.includes("--check")) {
  const current = existsSync(out) ? readFileSync(out, "utf-8") : "";
  if (current !== types) {
    console.error(`${out} differs from the OpenAPI document: run npm run generate in app/tab`);
    process.exit(1);
  }
  console.log("generated API types are current");
} else {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, types);
  console.log(`wrote ${out}`);
}
