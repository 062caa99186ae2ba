/**
 * What the `Trigger`, `Alias` and `Dependency` lifecycles share, gathered in one place: the companion client for
 * a resource's target, the target resolved at `check`, the unknown-value handling of a preview, and the
 * function resource's service helpers they reuse (imported, never changed).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { CompanionClient } from "../../api/companion-client";
import { isConfigurationError } from "../../auth";
import { isUnknown, UNKNOWN } from "../defaults";
import { requestTimeoutMs, targetOf } from "../service-steps";
import { progress } from "../progress";

export { isUnknown, UNKNOWN } from "../defaults";
export { hashCacheSetting, isAmbiguousFailure, isFgsError, sourcePath, targetOf } from "../service-steps";
export { progress, elapsed, formatBytes } from "../progress";
export { dropUndefined } from "../outputs";
export { recordStackConfig, type ConfigureRequest } from "../stack-config";

/** A `check` failure: the property and why. */
export interface CheckFailure {
  property: string;
  reason: string;
}

/** Where a companion resource's calls go (recorded in its outputs: refresh and delete only see those). */
export interface TargetFields {
  region?: string;
  projectId?: string;
  endpoint?: string;
}

/** A client for the resource's target (its own region/project/endpoint, then stack config, then environment). */
export function companionClient(fields: TargetFields): CompanionClient {
  const target = targetOf(fields);
  return new CompanionClient({
    endpoint: target.endpoint, projectId: target.projectId, credentials: target.credentials,
    timeoutMs: requestTimeoutMs(),
    onRetry: (r) => progress(`retrying ${r.method} ${r.path} in ${r.delayMs} ms (attempt ${r.attempt}): ${r.reason}`),
  });
}

/** The raw inputs split into known values and the names of those not known in this preview. */
export function knownInputs(news: Record<string, unknown>, keys: readonly string[]): { raw: Record<string, unknown>; unknown: Set<string> } {
  const raw: Record<string, unknown> = {};
  const unknown = new Set<string>();
  for (const key of keys) {
    if (news[key] === undefined || news[key] === null) continue;
    if (isUnknown(news[key])) unknown.add(key);
    else raw[key] = news[key];
  }
  return { raw, unknown };
}

/**
 * Parses the known inputs with `fields` (a zod object): failures for what is invalid (never for unknown
 * values), the parsed values with defaults, and the unknown ones as the sentinel.
 */
export function parseInputs<T extends z.ZodObject>(fields: T, news: Record<string, unknown>): {
  inputs: Record<string, unknown>; unknown: Set<string>; failures: CheckFailure[];
} {
  const { raw, unknown } = knownInputs(news, Object.keys(fields.shape));
  const failures: CheckFailure[] = [];
  const parsed = fields.safeParse(raw);
  let inputs: Record<string, unknown> = { ...raw };
  if (parsed.success) {
    inputs = { ...(parsed.data as Record<string, unknown>) };
  } else {
    for (const issue of parsed.error.issues) {
      const property = String(issue.path[0] ?? "");
      if (unknown.has(property)) continue;
      const sub = issue.path.slice(1).map(String).join(".");
      failures.push({ property, reason: sub ? `${sub}: ${issue.message}` : issue.message });
    }
    const partial = fields.partial().safeParse(raw);
    if (partial.success) inputs = { ...raw, ...(partial.data as Record<string, unknown>) };
  }
  for (const key of unknown) inputs[key] = UNKNOWN;
  return { inputs, unknown, failures };
}

/** Resolves region and project into `inputs` (they are part of the identity), or the failures saying what to set. */
export function resolveTargetInto(inputs: Record<string, unknown>, unknown: Set<string>, failures: CheckFailure[]): void {
  if (["region", "projectId", "endpoint"].some((k) => unknown.has(k) || failures.some((f) => f.property === k))) return;
  try {
    const target = targetOf(inputs as TargetFields);
    inputs.region = target.region;
    inputs.projectId = target.projectId;
  } catch (err) {
    if (!isConfigurationError(err)) throw err;
    for (const problem of err.problems) {
      const key = /^(\w+)\b/.exec(problem)?.[1];
      failures.push({ property: key && ["region", "projectId", "endpoint"].includes(key) ? key : "credentials", reason: problem });
    }
  }
}

/** The check result with `undefined` values dropped. */
export function checkResult(inputs: Record<string, unknown>, failures: CheckFailure[]): pulumi.dynamic.CheckResult {
  return { inputs: Object.fromEntries(Object.entries(inputs).filter(([, v]) => v !== undefined)), failures };
}

/** A message from anything thrown. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
