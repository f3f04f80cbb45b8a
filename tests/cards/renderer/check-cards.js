"use strict";
// Parses every *.json card in a directory with Microsoft's Adaptive Cards JS library (the renderer Teams
// is built on) and reports every parse and validation event. The npm package's lib/ build is ESM without
// file extensions, which Node cannot resolve, so the self-contained UMD bundle in dist/ is loaded instead.
const fs = require("node:fs");
const path = require("node:path");
const AC = require("adaptivecards/dist/adaptivecards.js");

function describe(event) {
  return {
    phase: AC.ValidationPhase[event.phase] ?? String(event.phase),
    event: AC.ValidationEvent[event.event] ?? String(event.event),
    message: event.message,
  };
}

// Teams renders the Chart.* elements; this library does not know them and falls back, as other hosts do.
// Such an element is fine only when it carries a fallback and that fallback is what the library parsed.
const TEAMS_CHART = /^Chart\./;

function chartsIn(node, found = []) {
  if (Array.isArray(node)) {
    node.forEach((item) => chartsIn(item, found));
  } else if (node && typeof node === "object") {
    if (typeof node.type === "string" && TEAMS_CHART.test(node.type)) {
      found.push(node);
    }
    Object.values(node).forEach((value) => chartsIn(value, found));
  }
  return found;
}

function isChartFallbackNotice(event) {
  const match = /Unknown element type "([^"]+)"/.exec(event.message || "");
  return event.event === "UnknownElementType" && match !== null && TEAMS_CHART.test(match[1]);
}

function checkCard(json) {
  const card = new AC.AdaptiveCard();
  const context = new AC.SerializationContext();
  card.parse(json, context);
  const problems = [];
  const charts = chartsIn(json.body || []);
  for (const chart of charts) {
    if (!chart.fallback || typeof chart.fallback !== "object" || TEAMS_CHART.test(chart.fallback.type || "")) {
      problems.push({ phase: "Parse", event: "ChartWithoutFallback", message: `${chart.type} has no element to fall back to` });
    }
  }
  let chartNotices = 0;
  for (let i = 0; i < context.eventCount; i++) {
    const event = describe(context.getEventAt(i));
    if (isChartFallbackNotice(event)) {
      chartNotices += 1;
    } else {
      problems.push(event);
    }
  }
  if (chartNotices !== charts.length || chartsIn(card.toJSON().body || []).length !== 0) {
    problems.push({ phase: "Parse", event: "ChartNotReplaced", message: "a chart was not replaced by its fallback" });
  }
  for (const event of card.validateProperties().validationEvents) {
    problems.push(describe(event));
  }
  // A card that round-trips to nothing parsed but was not understood.
  if (!card.toJSON() || card.getItemCount() === 0) {
    problems.push({ phase: "Parse", event: "Empty", message: "the card has no body after parsing" });
  }
  return problems;
}

function main(argv) {
  const asJson = argv.includes("--json");
  const dirs = argv.filter((arg) => arg !== "--json");
  if (dirs.length !== 1) {
    console.error("usage: node check-cards.js [--json] DIRECTORY");
    return 2;
  }
  const files = fs
    .readdirSync(dirs[0])
    .filter((name) => name.endsWith(".json"))
    .sort();
  const report = {};
  let total = 0;
  for (const name of files) {
    let problems;
    try {
      problems = checkCard(JSON.parse(fs.readFileSync(path.join(dirs[0], name), "utf8")));
    } catch (error) {
      problems = [{ phase: "Parse", event: "Exception", message: String(error && error.stack ? error.stack : error) }];
    }
    report[name] = problems;
    total += problems.length;
  }
  if (asJson) {
    process.stdout.write(JSON.stringify({ files: files.length, problems: total, report }, null, 2) + "\n");
  } else {
    for (const [name, problems] of Object.entries(report)) {
      for (const problem of problems) {
        console.log(`${name}: ${problem.phase} ${problem.event}: ${problem.message}`);
      }
    }
    console.log(`${files.length} card(s) checked, ${total} problem(s)`);
  }
  return total === 0 && files.length > 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
