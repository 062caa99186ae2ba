#!/usr/bin/env node
/**
 * Turns `pulumi preview --json` output into a short Markdown summary (the pipeline's pull-request artifact and
 * job summary): the change counts and each resource step. Usage: node preview-summary.js preview.json
 * Exit code 2 when the file is not a preview's JSON.
 */
const fs = require("node:fs");

const file = process.argv[2];
if (!file) {
  process.stderr.write("usage: node preview-summary.js <preview.json written by `pulumi preview --json`>\n");
  process.exit(2);
}
let preview;
try {
  preview = JSON.parse(fs.readFileSync(file, "utf8"));
} catch (e) {
  process.stderr.write(`preview-summary: ${file} is not the JSON of \`pulumi preview --json\` (${e.message})\n`);
  process.exit(2);
}
const summary = preview.changeSummary ?? {};
const changed = Object.entries(summary).filter(([op, n]) => op !== "same" && n > 0);
const lines = ["### Pulumi preview", "", changed.length ? `**${changed.map(([op, n]) => `${n} to ${op}`).join(", ")}**` : "**no changes**", ""];
lines.push("| operation | count |", "|---|---|", ...Object.entries(summary).map(([op, n]) => `| ${op} | ${n} |`), "");
for (const step of preview.steps ?? []) {
  if (step.op === "same") continue;
  const changedKeys = step.diffReasons ?? Object.keys(step.detailedDiff ?? {});
  lines.push(`- \`${step.op}\` ${step.urn}${changedKeys.length ? ` (${changedKeys.join(", ")})` : ""}`);
}
process.stdout.write(lines.join("\n") + "\n");
