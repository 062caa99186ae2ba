/**
 * The README's argument table and output list, generated from the property table (a test checks that the
 * README holds exactly this). `node dist/provider/resource/readme-table.js --write README.md` rewrites the
 * section between the `arguments:start` / `arguments:end` markers.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { ARG_NAMES, OUTPUT_NAMES, row } from "../api/property-derivations";

/** The markers around the generated section. */
export const README_MARKERS = { start: "<!-- arguments:start (generated from provider/api/function-properties.ts) -->", end: "<!-- arguments:end -->" };

const APPLIED: Record<string, string> = {
  replace: "replaces the function", config: "`PUT …/config`", code: "with the code", tags: "tags API",
  maxInstance: "max-instance call", asyncConfig: "async-config call", reserved: "reserved-instances call", local: "no call",
};

/** The ways of applying whose read-back values drift compares. */
const DRIFT_APPLIED: readonly string[] = ["config", "code", "maxInstance"];

function defaultOf(name: (typeof ARG_NAMES)[number]): string {
  const r = row(name);
  if (r.docDefault) return r.docDefault;
  if (r.required) return "required";
  if (r.default !== undefined) return `\`${JSON.stringify(r.default)}\``;
  return "";
}

/** The generated Markdown: the argument table, then the outputs. */
export function argumentSection(): string {
  const lines = ["| argument | default | applied by | notes |", "|---|---|---|---|"];
  for (const name of ARG_NAMES) {
    const r = row(name);
    const drift = (r.model !== undefined && !r.writeOnly && DRIFT_APPLIED.includes(r.apply)) || r.apply === "tags";
    const notes = [r.doc, r.secret ? "**secret**" : "", drift ? "drift-checked" : ""].filter(Boolean).join("; ").replace(/\|/g, "\\|");
    lines.push(`| \`${name}\` | ${defaultOf(name)} | ${APPLIED[r.apply]} | ${notes} |`);
  }
  lines.push("", `Outputs: ${OUTPUT_NAMES.map((n) => `\`${n}\``).join(", ")}.`);
  return lines.join("\n");
}

/** `text` with the section between the markers replaced by the generated one. */
export function withArgumentSection(text: string): string {
  const start = text.indexOf(README_MARKERS.start);
  const end = text.indexOf(README_MARKERS.end);
  if (start < 0 || end < start) throw new Error(`README: the markers ${README_MARKERS.start} … ${README_MARKERS.end} are missing`);
  return `${text.slice(0, start + README_MARKERS.start.length)}\n${argumentSection()}\n${text.slice(end)}`;
}

if (require.main === module && process.argv[2] === "--write" && process.argv[3]) {
  const file = process.argv[3];
  writeFileSync(file, withArgumentSection(readFileSync(file, "utf8")));
}
