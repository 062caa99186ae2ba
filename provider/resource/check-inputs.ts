/**
 * The first steps of every resource's `check` (`Function` and the companions alike): the raw inputs parsed
 * with the resource's zod object (failures name the property; values not known in this preview are never
 * judged and stay the sentinel), and the target — region and project, part of the identity — resolved into
 * the inputs, or failures saying what to set.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { isConfigurationError } from "../auth";
import { isUnknown, UNKNOWN } from "./defaults";
import { targetOf } from "./service-steps";

/** A `check` failure: the property and why. */
export interface CheckFailure {
  property: string;
  reason: string;
}

/** The rows of the target (shared by every resource). */
const TARGET_KEYS = ["region", "projectId", "endpoint"];

/**
 * Parses the known inputs with `fields` (a zod object): failures for what is invalid (never for unknown
 * values), the parsed values with defaults (those that did validate, when something did not), and the
 * unknown ones as the sentinel. `nestedPath`: a failure inside an object or list starts with its path.
 */
export function parseInputs<T extends z.ZodObject>(fields: T, news: Record<string, unknown>, nestedPath = true): {
  inputs: Record<string, unknown>; unknown: Set<string>; failures: CheckFailure[];
} {
  const raw: Record<string, unknown> = {};
  const unknown = new Set<string>();
  for (const key of Object.keys(fields.shape)) {
    if (news[key] === undefined || news[key] === null) continue;
    if (isUnknown(news[key])) unknown.add(key);
    else raw[key] = news[key];
  }
  const failures: CheckFailure[] = [];
  const parsed = fields.safeParse(raw);
  let inputs: Record<string, unknown> = { ...raw };
  if (parsed.success) {
    inputs = { ...(parsed.data as Record<string, unknown>) };
  } else {
    for (const issue of parsed.error.issues) {
      const property = String(issue.path[0] ?? "");
      if (unknown.has(property)) continue; // a value not known yet cannot be judged in this preview
      const sub = nestedPath ? issue.path.slice(1).map(String).join(".") : "";
      failures.push({ property, reason: sub ? `${sub}: ${issue.message}` : issue.message });
    }
    // Keep defaults for what did validate, so the preview still shows them.
    const partial = fields.partial().safeParse(raw);
    if (partial.success) inputs = { ...raw, ...(partial.data as Record<string, unknown>) };
  }
  for (const key of unknown) inputs[key] = UNKNOWN;
  return { inputs, unknown, failures };
}

/**
 * Resolves region and project into `inputs` (they are part of the identity, so they are resolved now and
 * kept), or adds the failures saying what to set. Nothing while a target input is unknown or already refused.
 */
export function resolveTargetInto(inputs: Record<string, unknown>, unknown: Set<string>, failures: CheckFailure[]): void {
  if (TARGET_KEYS.some((k) => unknown.has(k) || failures.some((f) => f.property === k))) return;
  try {
    const target = targetOf(inputs as { region?: string; projectId?: string; endpoint?: string });
    inputs.region = target.region;
    inputs.projectId = target.projectId;
  } catch (err) {
    if (!isConfigurationError(err)) throw err;
    for (const problem of err.problems) {
      // Problems read `region: set …` (missing) or `region (from HW_REGION_NAME) "x" is not …` (malformed).
      const key = /^(\w+)\b/.exec(problem)?.[1];
      failures.push({ property: key && TARGET_KEYS.includes(key) ? key : "credentials", reason: problem });
    }
  }
}

/** The check result with `undefined` values dropped (protobuf Structs cannot carry them). */
export function checkResult(inputs: Record<string, unknown>, failures: CheckFailure[]): pulumi.dynamic.CheckResult {
  return { inputs: Object.fromEntries(Object.entries(inputs).filter(([, v]) => v !== undefined)), failures };
}
