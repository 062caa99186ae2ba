/**
 * The Pulumi-like text summary of a run: one line per step (`+ create`, `~ update [diff: ~keys]`, `+- replace`,
 * `- delete`) with any provider-computed detail (changed files) under it, the stack outputs (secrets masked,
 * unknowns shown as in a preview), and the counts.
 */
import type { Step, StepOp } from "./engine";
import { UNKNOWN } from "./wire";

/** The operations the harness runs. */
export type Operation = "preview" | "up" | "refresh" | "destroy";

/** How many steps of each kind a run took; a step that failed counts only as `failed`, never as done. */
export type StepCounts = Record<StepOp | "failed", number>;

/** Counts the steps by op; failed steps are counted apart (a failed create was not created). */
export function countSteps(steps: Step[]): StepCounts {
  const counts: StepCounts = { create: 0, update: 0, replace: 0, delete: 0, same: 0, read: 0, failed: 0 };
  for (const s of steps) counts[s.error !== undefined ? "failed" : s.op]++;
  return counts;
}

const SYMBOL: Record<StepOp, string> = { create: "+ ", update: "~ ", replace: "+-", delete: "- ", same: "  ", read: "> " };
const PAST: Record<StepOp, string> = {
  create: "created", update: "updated", replace: "replaced", delete: "deleted", same: "unchanged", read: "read",
};
const TITLE: Record<Operation, string> = {
  preview: "Previewing update", up: "Updating", refresh: "Refreshing", destroy: "Destroying",
};

/** What {@link formatSummary} prints. */
export interface SummaryInput {
  operation: Operation;
  stack: string;
  steps: Step[];
  /** Plain output values. */
  outputs: Record<string, unknown>;
  secretOutputs: string[];
  unknownOutputs: string[];
  errors: string[];
}

/** Renders the summary as Pulumi prints it, in short. */
export function formatSummary(r: SummaryInput): string {
  const lines = [`${TITLE[r.operation]} (${r.stack}):`];
  const typeWidth = Math.max(4, ...r.steps.map((s) => urnType(s.urn).length));
  for (const s of r.steps) {
    if (s.op === "same" && s.error === undefined) continue;
    const diff = s.changedKeys.length > 0 && s.op !== "create" ? `  [diff: ~${s.changedKeys.join(",")}]` : "";
    const failed = s.error !== undefined ? `  **failed**: ${s.error}` : "";
    lines.push(` ${SYMBOL[s.op]} ${s.op.padEnd(8)} ${urnType(s.urn).padEnd(typeWidth)}  ${urnName(s.urn)}${diff}${failed}`);
    for (const [k, v] of Object.entries(s.values ?? {})) {
      if (s.op === "create" || s.op === "same") break;
      lines.push(`        ${k}: ${shortValue(v.old)} → ${v.new === undefined ? "(removed)" : shortValue(v.new)}`);
    }
    for (const [k, v] of Object.entries(s.detail ?? {})) {
      lines.push(`        ${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
    }
  }
  const names = Object.keys(r.outputs).sort();
  if (names.length > 0) {
    lines.push("", "Outputs:");
    for (const k of names) {
      const v = r.secretOutputs.includes(k)
        ? "[secret]"
        : r.unknownOutputs.includes(k)
          ? "output<unknown>"
          : JSON.stringify(r.outputs[k], (_, x) => (x === UNKNOWN ? "output<unknown>" : x), 4).replace(/\n/g, "\n    ");
      lines.push(`    ${k}: ${v}`);
    }
  }
  const counts = countSteps(r.steps);
  lines.push("", "Resources:");
  for (const op of ["create", "update", "replace", "delete", "read"] as StepOp[]) {
    if (counts[op] > 0) lines.push(`    ${SYMBOL[op].trim()} ${counts[op]} ${r.operation === "preview" ? `to ${op}` : PAST[op]}`);
  }
  if (counts.same > 0) lines.push(`    ${counts.same} unchanged`);
  if (counts.failed > 0) lines.push(`    ${counts.failed} failed`);
  if (r.steps.length === 0) lines.push("    no resources");
  if (r.errors.length > 0) lines.push("", "Errors:", ...r.errors.map((e) => `    ${e}`));
  return lines.join("\n") + "\n";
}

/** A value short enough for one diff line, else a placeholder (long hashes, fingerprints, nested maps). */
function shortValue(v: unknown): string {
  if (v === undefined) return "(unset)";
  if (v === UNKNOWN) return "output<unknown>";
  const text = typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
  return text.length <= 80 ? text : "(changed)";
}

function urnType(urn: string): string {
  return (urn.split("::")[2] ?? "").split("$").pop() ?? "";
}

function urnName(urn: string): string {
  return urn.split("::").slice(3).join("::");
}
